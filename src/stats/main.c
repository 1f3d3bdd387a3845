/* ktstr-stats: list, analyse and compare ktstr run directories. */
#include "config.h"

#include <locale.h>

#include "stats/stats-cli.h"

int
main (int argc, char **argv)
{
  /* Messages may be translated; numbers are always printed the C way
   * (ktstr_stats_main pins LC_NUMERIC itself). */
  setlocale (LC_ALL, "");
  argv[0] = (char *)"ktstr-stats";
  return ktstr_stats_main (argc, argv);
}
