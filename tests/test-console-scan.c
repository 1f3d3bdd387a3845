/* Finding the line that says how a guest died in its console log
 * (run/console-scan.h). */
#include "config.h"

#include <glib.h>

#include "run/console-scan.h"

static void
test_line_with (void)
{
  const char *log = "[    0.1] booting\n"
                    "[    1.2] Kernel panic - not syncing: Attempted to kill init!  \n"
                    "[    1.3] ---[ end Kernel panic - not syncing: Attempted to kill init! ]---\n";
  g_autofree char *panic = ktstr_console_line_with (log, KTSTR_CONSOLE_PANIC_MARK);
  g_assert_cmpstr (panic, ==, "Kernel panic - not syncing: Attempted to kill init!");

  /* The last line need not end in a newline. */
  g_autofree char *oops = ktstr_console_line_with ("a\nOops: int3 at x", "Oops:");
  g_assert_cmpstr (oops, ==, "Oops: int3 at x");

  g_assert_null (ktstr_console_line_with (log, "BUG:"));
  g_assert_null (ktstr_console_line_with ("", KTSTR_CONSOLE_PANIC_MARK));
  g_assert_null (ktstr_console_line_with (NULL, KTSTR_CONSOLE_PANIC_MARK));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/console-scan/line-with", test_line_with);
  return g_test_run ();
}
