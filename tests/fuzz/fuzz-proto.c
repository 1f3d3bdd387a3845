/* Fuzzes the guest-to-host protocol: each input line is one control line
 * from the guest agent (common/proto.h), fed to the host's session as the
 * backend would.  The guest is untrusted; nothing it sends may crash the
 * host. */
#include "config.h"

#include <string.h>

#include "fuzz-util.h"
#include "run/session.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ktstr_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = ktstr_fuzz_strndup (data, size);
  g_autoptr (KtstrSession) session = ktstr_session_new ();
  /* The backend hands over complete lines without the newline; a NUL
   * inside a line ends it, as it does for the C string the backend
   * passes. */
  char *line = text;
  for (;;)
    {
      char *nl = memchr (line, '\n', (size_t)(text + size - line));
      if (nl != NULL)
        *nl = '\0';
      ktstr_session_feed (session, line);
      if (nl == NULL)
        break;
      line = nl + 1;
    }
  for (guint i = 0; i < session->cgroups->len; i++)
    ktstr_session_cgroup_cpuset (session, "cg_0");
  return 0;
}
