/* The platform ports that end a run: how the guest says it is done.
 *
 *   0x64 (i8042 command)    write 0xFE: pulse the reset line     -> RESET
 *   0x60/0x64 reads         0: no keyboard data, controller idle
 *   0x604 (ACPI PM1a_CNT)   SLP_EN with SLP_TYP 5 (\_S5)         -> POWEROFF
 *   0x600..0x603 (PM1a_EVT) status and enable read as 0
 *   0xCF9 (FADT reset reg)  write 0x06 or 0x0E                   -> RESET
 *   0x505 (pvpanic)         read: capabilities (panicked, crash loaded);
 *                           write with either bit set            -> PANIC
 *
 * Stateless, so the whole map is one function that tests call directly. */
#ifndef KTSTR_KVM_PLATFORM_H
#define KTSTR_KVM_PLATFORM_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  KTSTR_PLATFORM_EVENT_NONE = 0,
  KTSTR_PLATFORM_EVENT_POWEROFF,
  KTSTR_PLATFORM_EVENT_RESET,
  KTSTR_PLATFORM_EVENT_PANIC,
} KtstrPlatformEvent;

#define KTSTR_I8042_DATA_PORT 0x60
#define KTSTR_I8042_COMMAND_PORT 0x64
#define KTSTR_I8042_CMD_RESET 0xfe
#define KTSTR_PVPANIC_PANICKED 0x1
#define KTSTR_PVPANIC_CRASH_LOADED 0x2

/* Handles an access of LEN bytes to PORT (DATA is read into or written
 * from).  Returns FALSE when PORT is not a platform port.  *EVENT is set
 * when the access ends the VM, with a short description in *DETAIL. */
gboolean ktstr_platform_io (guint16 port, gboolean is_write, guint8 *data, guint len,
                            KtstrPlatformEvent *event, const char **detail);

G_END_DECLS

#endif
