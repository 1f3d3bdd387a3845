/* A process holding a CPU's lock file (tests/lock-holder.h). */
#include "config.h"

#include "tests/lock-holder.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/cpulock.h"

pid_t
ktstr_test_lock_holder_spawn_file (const char *file, int mode)
{
  /* The child says on the pipe that it holds the lock, so the caller never
   * races it. */
  int fds[2];
  g_assert_cmpint (pipe (fds), ==, 0);
  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (fds[0]);
      int fd = open (file, O_CREAT | O_RDWR, 0666);
      if (fd < 0 || flock (fd, mode) != 0 || write (fds[1], "x", 1) != 1)
        _exit (1);
      for (;;)
        pause ();
    }
  close (fds[1]);
  char c;
  g_assert_cmpint (read (fds[0], &c, 1), ==, 1);
  close (fds[0]);
  return pid;
}

pid_t
ktstr_test_lock_holder_spawn (const char *dir, guint index)
{
  g_autofree char *path = ktstr_cpulock_path (dir, KTSTR_CPULOCK_CPU, index);
  return ktstr_test_lock_holder_spawn_file (path, LOCK_EX);
}

void
ktstr_test_lock_holder_kill (pid_t pid)
{
  kill (pid, SIGKILL);
  g_assert_cmpint (waitpid (pid, NULL, 0), ==, pid);
}
