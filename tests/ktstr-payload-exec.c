/* A tiny static payload for the VM tests: "ktstr-payload-exec [-f FILE]...
 * PROGRAM [ARG]..." checks that each FILE can be read, then runs PROGRAM
 * (e.g. an --include program at /include-files/NAME), so its exit status
 * is the payload's.  Exits 2 naming a FILE that cannot be read, 127 when
 * PROGRAM cannot be executed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  int i = 1;
  for (; i + 1 < argc && strcmp (argv[i], "-f") == 0; i += 2)
    if (access (argv[i + 1], R_OK) != 0)
      {
        fprintf (stderr, "ktstr-payload-exec: cannot read %s: %s\n", argv[i + 1], strerror (errno));
        return 2;
      }
  if (i >= argc)
    {
      fprintf (stderr, "usage: ktstr-payload-exec [-f FILE]... PROGRAM [ARG]...\n");
      return 2;
    }
  execv (argv[i], argv + i);
  fprintf (stderr, "ktstr-payload-exec: cannot run %s: %s\n", argv[i], strerror (errno));
  return 127;
}
