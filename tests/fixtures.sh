# Sourced (POSIX sh) by the test and benchmark scripts: where the fixtures
# are.  The programs read them from the environment only:
#   KTSTR_TEST_KERNEL      a sched_ext bzImage; its folder may also hold
#                          vmlinux.xz, the same kernel uncompressed (PVH
#                          boot tests)
#   KTSTR_TEST_SCHEDULERS  a folder holding the scx_simple and scx_qmap
#                          programs
# A variable already set is kept.  An unset one is looked for under
# $KTSTR_FIXTURES (linux-6.12-scx/bzImage, schedulers/), else under the
# fixtures folder a checkout may have beside it (../shared/fixtures);
# when neither has it, the variable stays unset and the tests that need it
# skip, saying which variable to set.
# Needs: $ktstr_srcdir, the top of the source tree.
ktstr_fixtures=${KTSTR_FIXTURES:-}
if [ -z "$ktstr_fixtures" ] && [ -d "$ktstr_srcdir/../shared/fixtures" ]; then
  ktstr_fixtures=$(cd "$ktstr_srcdir/../shared/fixtures" && pwd)
fi
if [ -n "$ktstr_fixtures" ]; then
  if [ -z "${KTSTR_TEST_KERNEL:-}" ] && [ -r "$ktstr_fixtures/linux-6.12-scx/bzImage" ]; then
    KTSTR_TEST_KERNEL=$ktstr_fixtures/linux-6.12-scx/bzImage
    export KTSTR_TEST_KERNEL
  fi
  if [ -z "${KTSTR_TEST_SCHEDULERS:-}" ] && [ -d "$ktstr_fixtures/schedulers" ]; then
    KTSTR_TEST_SCHEDULERS=$ktstr_fixtures/schedulers
    export KTSTR_TEST_SCHEDULERS
  fi
fi
unset ktstr_fixtures
