#include "common/parent-death.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

int
ktstr_die_with_parent (pid_t expected_parent)
{
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    return -1;
  /* The parent died between fork and prctl: the kernel sent nothing and
   * never will, and the child was reparented (to init or a subreaper). */
  if (getppid () != expected_parent)
    kill (getpid (), SIGKILL);
  return 0;
}
