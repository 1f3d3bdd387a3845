/* A tiny static payload for the VM tests: prints a fio-like JSON object
 * whose jobs.0.read.iops is argv[1] and exits with argv[2] (default 0);
 * with "sleep" as argv[3] it then sleeps until killed. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  long iops = argc > 1 ? atol (argv[1]) : 0;
  int code = argc > 2 ? atoi (argv[2]) : 0;
  printf ("{\"jobs\":[{\"jobname\":\"t\",\"read\":{\"iops\":%ld,\"bw_kib\":%.1f}}],"
          "\"ok\":true}\n",
          iops, iops * 4.0);
  fflush (stdout);
  if (argc > 3)
    for (;;)
      pause ();
  return code;
}
