"""What the test suite, the benchmarks and the scripts share: skips for the services a test
needs, threads that race on the database, real servers on free ports, the product's source
files, schema and admin checks, the test settings' Redis cache, and the after-test check
for what a test left open. Only tests, benchmarks and scripts import it; the product
packages never do."""
