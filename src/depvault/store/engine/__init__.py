"""The store's engine: connections, bulk writes, id lists, migrations, the serving lock."""
