#include "config.h"

#include "backends/kvm/platform.h"

#include <string.h>

#include "backends/kvm/acpi.h"

gboolean
ktstr_platform_io (guint16 port, gboolean is_write, guint8 *data, guint len,
                   KtstrPlatformEvent *event, const char **detail)
{
  *event = KTSTR_PLATFORM_EVENT_NONE;
  *detail = NULL;
  switch (port)
    {
    case KTSTR_I8042_DATA_PORT:
    case KTSTR_I8042_COMMAND_PORT:
      if (!is_write)
        memset (data, 0, len);
      else if (port == KTSTR_I8042_COMMAND_PORT && data[0] == KTSTR_I8042_CMD_RESET)
        {
          *event = KTSTR_PLATFORM_EVENT_RESET;
          *detail = "reset through the keyboard controller (i8042 0xFE)";
        }
      return TRUE;

    case KTSTR_ACPI_PM1A_EVT_PORT:
    case KTSTR_ACPI_PM1A_EVT_PORT + 1:
    case KTSTR_ACPI_PM1A_EVT_PORT + 2:
    case KTSTR_ACPI_PM1A_EVT_PORT + 3:
      if (!is_write)
        memset (data, 0, len);
      return TRUE;

    case KTSTR_ACPI_PM1A_CNT_PORT:
    case KTSTR_ACPI_PM1A_CNT_PORT + 1:
      if (!is_write)
        {
          /* SCI_EN: the platform is always in ACPI mode. */
          memset (data, 0, len);
          if (port == KTSTR_ACPI_PM1A_CNT_PORT)
            data[0] = 1;
          return TRUE;
        }
      {
        /* ACPICA writes the whole 16-bit register; a byte write to the
         * high half would carry SLP_EN and SLP_TYP as well. */
        guint16 v = 0;
        if (port == KTSTR_ACPI_PM1A_CNT_PORT && len >= 2)
          v = (guint16)(data[0] | (data[1] << 8));
        else if (port == KTSTR_ACPI_PM1A_CNT_PORT + 1)
          v = (guint16)(data[0] << 8);
        if ((v & KTSTR_ACPI_SLP_EN) && ((v >> 10) & 7) == KTSTR_ACPI_SLP_TYP_S5)
          {
            *event = KTSTR_PLATFORM_EVENT_POWEROFF;
            *detail = "ACPI poweroff (S5 through PM1a_CNT)";
          }
      }
      return TRUE;

    case KTSTR_ACPI_RESET_PORT:
      if (len != 1)
        return FALSE; /* 0xCF8 as a dword is PCI config space, not ours */
      if (!is_write)
        data[0] = 0;
      else if (data[0] == KTSTR_ACPI_RESET_VALUE || data[0] == 0x0e)
        {
          *event = KTSTR_PLATFORM_EVENT_RESET;
          *detail = "reset through the ACPI reset register (0xCF9)";
        }
      return TRUE;

    case KTSTR_PVPANIC_PORT:
      if (!is_write)
        {
          memset (data, 0, len);
          data[0] = KTSTR_PVPANIC_PANICKED | KTSTR_PVPANIC_CRASH_LOADED;
        }
      else if (data[0] & KTSTR_PVPANIC_PANICKED)
        {
          *event = KTSTR_PLATFORM_EVENT_PANIC;
          *detail = "guest kernel panic (pvpanic)";
        }
      else if (data[0] & KTSTR_PVPANIC_CRASH_LOADED)
        {
          *event = KTSTR_PLATFORM_EVENT_PANIC;
          *detail = "guest kernel crashed into a kdump kernel (pvpanic)";
        }
      return TRUE;

    default:
      return FALSE;
    }
}
