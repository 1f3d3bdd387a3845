/* When a boot is worth a second one: see run/boot-retry.h. */
#include "config.h"

#include "run/boot-retry.h"

#include <signal.h>
#include <string.h>

#include "run/console-scan.h"

#define TCG_PATCH_RACE_MARK "Oops: int3"

static gboolean
is_tcg (const KtstrVmResult *vm)
{
  return vm->accel != NULL && g_str_equal (vm->accel, "tcg");
}

char *
ktstr_boot_hit_tcg_patch_race (const KtstrVmResult *vm, const char *console)
{
  if (!is_tcg (vm) || console == NULL)
    return NULL;
  return ktstr_console_line_with (console, TCG_PATCH_RACE_MARK);
}

char *
ktstr_boot_died_before_agent (const KtstrSession *session, const KtstrVmResult *vm,
                              const char *console)
{
  static const char *const death_marks[] = { KTSTR_CONSOLE_PANIC_MARK, "Oops:", "BUG:", NULL };
  static const char *const stall_marks[] = { "rcu: INFO:", "detected stalls on CPUs", NULL };
  static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGTRAP };
  if (session->has_hello || !is_tcg (vm))
    return NULL;
  if (vm->end == KTSTR_VM_END_CRASHED)
    {
      for (guint i = 0; i < G_N_ELEMENTS (fault_signals); i++)
        if (vm->vmm_signal == fault_signals[i])
          return g_strdup_printf ("the emulator died of signal %d (%s)", vm->vmm_signal,
                                  strsignal (vm->vmm_signal));
      return NULL;
    }
  if (console == NULL)
    return NULL;
  const char *const *marks;
  if (vm->end == KTSTR_VM_END_PANIC || vm->end == KTSTR_VM_END_RESET)
    marks = death_marks;
  else if (vm->end == KTSTR_VM_END_TIMEOUT)
    marks = stall_marks;
  else
    return NULL;
  char *line = NULL;
  for (const char *const *m = marks; *m != NULL && line == NULL; m++)
    line = ktstr_console_line_with (console, *m);
  return line;
}
