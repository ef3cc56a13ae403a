"""The access rules as pure functions."""

from __future__ import annotations

from depvault.domain.access import Access, Grant, Level, Target, decide

ORG = Target(Level.ORG, global_org_id=1, org_id=10)
PRODUCT_A = Target(Level.PRODUCT, global_org_id=1, org_id=10, product_id=100)
PROJECT_A = Target(Level.PROJECT, global_org_id=1, org_id=10, product_id=100, project_id=1000)


def test_an_administrator_acts_at_their_level_and_below() -> None:
    org_admin = [Grant(Level.ORG, 10, "administrators")]
    for target in (ORG, PRODUCT_A, PROJECT_A):
        assert decide(org_admin, target, Access.ADMIN).allowed
    assert not decide(org_admin, Target(Level.GLOBAL_ORG, global_org_id=1), Access.READ).allowed
    assert not decide(org_admin, Target(Level.ORG, org_id=11), Access.READ).allowed


def test_global_administrators_cover_their_organizations() -> None:
    grants = [Grant(Level.GLOBAL_ORG, 1, "administrators")]
    assert decide(grants, PROJECT_A, Access.ADMIN).allowed
    assert not decide(grants, Target(Level.ORG, global_org_id=2, org_id=20), Access.READ).allowed


def test_product_roles_stay_in_their_product() -> None:
    admin_a = [Grant(Level.PRODUCT, 100, "productAdmins")]
    assert decide(admin_a, PROJECT_A, Access.ADMIN).allowed
    other = Target(Level.PRODUCT, global_org_id=1, org_id=10, product_id=101)
    assert not decide(admin_a, other, Access.READ).allowed
    assert not decide(admin_a, ORG, Access.READ).allowed


def test_the_org_exception_lists_the_visible_products() -> None:
    grants = [
        Grant(Level.PRODUCT, 100, "productAdmins"),
        Grant(Level.PRODUCT, 101, "productApprovers"),
    ]
    decision = decide(grants, ORG, Access.READ, product_roles_may_call_org=True)
    assert decision.allowed and decision.visible_product_ids == frozenset({100})
    org_admin = decide(
        [Grant(Level.ORG, 10, "administrators")], ORG, Access.READ, product_roles_may_call_org=True
    )
    assert org_admin.allowed and org_admin.visible_product_ids is None


def test_weaker_roles_grant_what_their_names_promise() -> None:
    member = [Grant(Level.PRODUCT, 100, "productMembership")]
    integrator = [Grant(Level.PRODUCT, 100, "productIntegrators")]
    read_only = [Grant(Level.ORG, 10, "readOnlyUsers")]
    assert decide(member, PROJECT_A, Access.READ).allowed
    assert not decide(member, PROJECT_A, Access.INTEGRATE).allowed
    assert decide(integrator, PROJECT_A, Access.INTEGRATE).allowed
    assert not decide(integrator, PROJECT_A, Access.ADMIN).allowed
    assert decide(read_only, PROJECT_A, Access.READ).allowed
    assert not decide(read_only, ORG, Access.ADMIN).allowed
    for role in ("alertsEmailReceivers", "defaultApprover"):
        assert not decide([Grant(Level.ORG, 10, role)], ORG, Access.READ).allowed
