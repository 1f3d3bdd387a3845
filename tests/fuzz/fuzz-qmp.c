/* Fuzzes the QMP client: the input is what QEMU's monitor socket sends
 * (greeting, replies, events, in any order), replayed over a socketpair
 * while a command waits for its reply. */
#include "config.h"

#include <gio/gio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backends/qemu/qmp.h"
#include "fuzz-util.h"

/* More than a socket buffer would need a writer thread; QMP lines are
 * short, so longer inputs teach the fuzzer nothing new. */
#define QMP_FUZZ_MAX_INPUT (64 * 1024)

static void
on_event (KtstrQmp *qmp, const char *event, JsonObject *data, gint64 timestamp_us,
          gpointer user_data)
{
  (*(guint *)user_data)++;
}

static void
on_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = ktstr_qmp_execute_finish (NULL, result, &error);
  *(gboolean *)user_data = TRUE;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ktstr_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  int sv[2];
  if (size > QMP_FUZZ_MAX_INPUT || socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return 0;
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  g_autoptr (GSocket) sock = g_socket_new_from_fd (sv[0], NULL);
  g_autoptr (GSocketConnection) conn = g_socket_connection_factory_create_connection (sock);
  g_autoptr (KtstrQmp) qmp = ktstr_qmp_new (G_IO_STREAM (conn));
  guint events = 0;
  gboolean replied = FALSE;
  ktstr_qmp_set_event_func (qmp, on_event, &events);
  ktstr_qmp_execute_async (qmp, "query-status", NULL, on_reply, &replied);

  for (size_t off = 0; off < size;)
    {
      ssize_t n = write (sv[1], data + off, size - off);
      if (n <= 0)
        break;
      off += (size_t)n;
    }
  close (sv[1]);
  while (!ktstr_qmp_is_closed (qmp))
    g_main_context_iteration (context, TRUE);
  while (!replied)
    g_main_context_iteration (context, TRUE);
  (void)ktstr_qmp_get_qemu_version (qmp);
  ktstr_qmp_close (qmp);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  return 0;
}
