/* A small QMP (QEMU Machine Protocol) client on GIO and json-glib.
 *
 * It reads QEMU's JSON lines asynchronously on the GMainContext that was the
 * thread default when the client was created, so events (SHUTDOWN,
 * GUEST_PANICKED, STOP, RESET, ...) reach the event callback even while a
 * command waits for its reply, and events interleaved between a command and
 * its reply are delivered in the order QEMU sent them.  Each command carries
 * an id ("ktstr-1", "ktstr-2", ...) and its reply is matched by that id.  An
 * error reply becomes a GError in KTSTR_QMP_ERROR whose code is the QMP error
 * class and whose message holds QMP's desc.
 *
 * Private to backends/qemu: the host never includes this header.
 */
#ifndef KTSTR_BACKENDS_QEMU_QMP_H
#define KTSTR_BACKENDS_QEMU_QMP_H

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define KTSTR_QMP_ERROR (ktstr_qmp_error_quark ())
GQuark ktstr_qmp_error_quark (void);

typedef enum
{
  /* QMP error classes, as QEMU names them in an error reply. */
  KTSTR_QMP_ERROR_GENERIC,           /* "GenericError" (and any class we do not know) */
  KTSTR_QMP_ERROR_COMMAND_NOT_FOUND, /* "CommandNotFound" */
  KTSTR_QMP_ERROR_DEVICE_NOT_ACTIVE, /* "DeviceNotActive" */
  KTSTR_QMP_ERROR_DEVICE_NOT_FOUND,  /* "DeviceNotFound" */
  KTSTR_QMP_ERROR_KVM_MISSING_CAP,   /* "KVMMissingCap" */
  /* Failures on our side of the socket. */
  KTSTR_QMP_ERROR_PROTOCOL, /* malformed JSON or unexpected message */
  KTSTR_QMP_ERROR_CLOSED,   /* QEMU closed the connection */
  KTSTR_QMP_ERROR_TIMEOUT,  /* no reply within the time given */
  KTSTR_QMP_ERROR_CONNECT,  /* the socket could not be reached */
} KtstrQmpError;

/* The QMP class name for an error code of KTSTR_QMP_ERROR, or NULL for
 * codes that are not QMP classes. */
const char *ktstr_qmp_error_class_name (KtstrQmpError code);

typedef struct _KtstrQmp KtstrQmp;

/* Called on the client's main context for each event.  DATA is the event's
 * "data" member, or NULL when it has none; TIMESTAMP_US is QEMU's wall-clock
 * timestamp in microseconds (0 when absent). */
typedef void (*KtstrQmpEventFunc) (KtstrQmp *qmp, const char *event, JsonObject *data,
                                   gint64 timestamp_us, gpointer user_data);

/* Wraps an already connected stream (a unix socket to QEMU, or one end of a
 * socketpair in the tests) and starts reading it. */
KtstrQmp *ktstr_qmp_new (GIOStream *stream);

/* Connects to a unix socket that a starting QEMU is about to create at
 * PATH, retrying while it does not exist yet or refuses, for at most
 * TIMEOUT_MS.  Iterates the thread-default main context while it waits, so
 * other sources keep running; STOP_FLAG (may be NULL) ends the wait early
 * when it becomes TRUE (e.g. QEMU exited).  KTSTR_QMP_ERROR_CONNECT on
 * failure.  Used for the QMP socket and the QEMU backend's other sockets. */
GSocketConnection *ktstr_unix_socket_connect_retry (const char *path, guint timeout_ms,
                                                    const gboolean *stop_flag, GError **error);

/* The same, wrapped as a QMP client. */
KtstrQmp *ktstr_qmp_connect_unix (const char *path, guint timeout_ms, const gboolean *stop_flag,
                                  GError **error);

void ktstr_qmp_unref (KtstrQmp *qmp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrQmp, ktstr_qmp_unref)

void ktstr_qmp_set_event_func (KtstrQmp *qmp, KtstrQmpEventFunc func, gpointer user_data);

/* Waits for the greeting and sends qmp_capabilities. */
gboolean ktstr_qmp_negotiate (KtstrQmp *qmp, guint timeout_ms, GError **error);

/* "7.2.22", from the greeting; NULL before it arrived. */
const char *ktstr_qmp_get_qemu_version (KtstrQmp *qmp);

/* Sends CMD with ARGUMENTS (may be NULL) and completes with the reply's
 * "return" member.  Events that arrive first go to the event callback first.
 * The call completes when the reply arrives or the connection closes. */
void ktstr_qmp_execute_async (KtstrQmp *qmp, const char *cmd, JsonObject *arguments,
                              GAsyncReadyCallback callback, gpointer user_data);
JsonNode *ktstr_qmp_execute_finish (KtstrQmp *qmp, GAsyncResult *result, GError **error);

/* The same, iterating the client's main context until the reply arrives or
 * TIMEOUT_MS passes (KTSTR_QMP_ERROR_TIMEOUT). */
JsonNode *ktstr_qmp_execute (KtstrQmp *qmp, const char *cmd, JsonObject *arguments,
                             guint timeout_ms, GError **error);

/* KEY of O (may be NULL) when it is a string, else NULL (borrowed): for
 * reading replies and event data, where json-glib's own getters would
 * return NULL or print a critical for a member of another type. */
const char *ktstr_qmp_string_member (JsonObject *o, const char *key);

/* TRUE once QEMU closed the connection (or ktstr_qmp_close was called). */
gboolean ktstr_qmp_is_closed (KtstrQmp *qmp);

/* Stops reading, fails pending commands with KTSTR_QMP_ERROR_CLOSED and
 * closes the stream.  Idempotent; unref also does it. */
void ktstr_qmp_close (KtstrQmp *qmp);

G_END_DECLS

#endif
