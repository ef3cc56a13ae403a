"""The access rules as pure functions."""

from __future__ import annotations

from depvault.domain.access import Access, Grant, Level, Target, access_of_role, decide

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


def test_product_roles_in_an_organization_request_need_enough_access() -> None:
    """The overview's exception lets product roles call some organization requests, but
    only with the access the request needs: a product member (read) is not an
    administrator there, and a grant of exactly the needed access is enough."""
    member = [Grant(Level.PRODUCT, 100, "productMembership")]
    integrator = [Grant(Level.PRODUCT, 100, "productIntegrators")]
    for needed in (Access.INTEGRATE, Access.ADMIN):
        assert not decide(member, ORG, needed, product_roles_may_call_org=True).allowed
    assert not decide(integrator, ORG, Access.ADMIN, product_roles_may_call_org=True).allowed
    exactly = decide(member, ORG, Access.READ, product_roles_may_call_org=True)
    assert exactly.allowed and exactly.visible_product_ids == frozenset({100})
    exactly = decide(integrator, ORG, Access.INTEGRATE, product_roles_may_call_org=True)
    assert exactly.allowed and exactly.visible_product_ids == frozenset({100})


def test_only_product_grants_open_the_organization_exception() -> None:
    """An organization read-only user is judged by the ordinary rule (it covers the
    organization), never listed as if it were a product: it cannot reach an
    administrator's organization request through the exception either."""
    read_only = [Grant(Level.ORG, 10, "readOnlyUsers")]
    assert not decide(read_only, ORG, Access.ADMIN, product_roles_may_call_org=True).allowed
    mixed = [*read_only, Grant(Level.PRODUCT, 100, "productMembership")]
    assert not decide(mixed, ORG, Access.INTEGRATE, product_roles_may_call_org=True).allowed
    decision = decide(mixed, ORG, Access.READ, product_roles_may_call_org=True)
    assert decision.allowed and decision.visible_product_ids is None


def test_each_role_is_exactly_sufficient_for_its_own_access() -> None:
    """A grant includes the access it names (``>=``, not ``>``), at every level."""
    cases = [
        (Grant(Level.GLOBAL_ORG, 1, "administrators"), PROJECT_A, Access.ADMIN),
        (Grant(Level.ORG, 10, "administrators"), ORG, Access.ADMIN),
        (Grant(Level.ORG, 10, "readOnlyUsers"), ORG, Access.READ),
        (Grant(Level.PRODUCT, 100, "productAdmins"), PRODUCT_A, Access.ADMIN),
        (Grant(Level.PRODUCT, 100, "productIntegrators"), PROJECT_A, Access.INTEGRATE),
        (Grant(Level.PRODUCT, 100, "productMembership"), PRODUCT_A, Access.READ),
    ]
    for grant, target, needed in cases:
        assert grant.access is needed
        assert decide([grant], target, needed).allowed, grant


def test_roles_exist_only_at_their_levels() -> None:
    """A role name means nothing at a level that has no such role (projects have no
    roles at all): it grants no access and admits nobody."""
    assert access_of_role(Level.PROJECT, "administrators") is None
    assert access_of_role(Level.NONE, "productAdmins") is None
    assert access_of_role(Level.PRODUCT, "administrators") is None
    assert access_of_role(Level.ORG, "productAdmins") is None
    stray = Grant(Level.PROJECT, 1000, "productAdmins")
    assert stray.access is None
    assert not decide([stray], PROJECT_A, Access.READ).allowed
