/* QMP client: see qmp.h. */
#include "config.h"

#include "backends/qemu/qmp.h"

#include <gio/gunixsocketaddress.h>
#include <string.h>

#include "common/json-depth.h"

GQuark
ktstr_qmp_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-qmp-error-quark");
}

static const struct
{
  const char *name;
  KtstrQmpError code;
} qmp_classes[] = {
  { "GenericError", KTSTR_QMP_ERROR_GENERIC },
  { "CommandNotFound", KTSTR_QMP_ERROR_COMMAND_NOT_FOUND },
  { "DeviceNotActive", KTSTR_QMP_ERROR_DEVICE_NOT_ACTIVE },
  { "DeviceNotFound", KTSTR_QMP_ERROR_DEVICE_NOT_FOUND },
  { "KVMMissingCap", KTSTR_QMP_ERROR_KVM_MISSING_CAP },
};

const char *
ktstr_qmp_error_class_name (KtstrQmpError code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (qmp_classes); i++)
    if (qmp_classes[i].code == code)
      return qmp_classes[i].name;
  return NULL;
}

static KtstrQmpError
error_code_from_class (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (qmp_classes); i++)
    if (g_strcmp0 (qmp_classes[i].name, name) == 0)
      return qmp_classes[i].code;
  return KTSTR_QMP_ERROR_GENERIC;
}

struct _KtstrQmp
{
  gint ref_count;
  GMainContext *context;
  GIOStream *stream;
  GDataInputStream *input;
  GOutputStream *output;
  GCancellable *cancellable;
  gboolean is_reading; /* a read_line_async is in flight */
  gboolean is_closed;
  gboolean has_greeting;
  char *qemu_version;
  guint next_id;
  GQueue pending; /* of GTask*, oldest first; task data is a Pending */
  KtstrQmpEventFunc event_func;
  gpointer event_data;
};

typedef struct
{
  char *id;
  char *cmd;
} Pending;

static void
pending_free (gpointer p)
{
  Pending *pending = p;
  g_free (pending->id);
  g_free (pending->cmd);
  g_free (pending);
}

static void start_read (KtstrQmp *qmp);

KtstrQmp *
ktstr_qmp_new (GIOStream *stream)
{
  KtstrQmp *qmp = g_new0 (KtstrQmp, 1);
  qmp->ref_count = 1;
  qmp->context = g_main_context_ref_thread_default ();
  qmp->stream = g_object_ref (stream);
  qmp->input = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  /* QEMU ends lines with "\r\n"; LF leaves the '\r' that handle_line strips. */
  g_data_input_stream_set_newline_type (qmp->input, G_DATA_STREAM_NEWLINE_TYPE_LF);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (qmp->input), FALSE);
  qmp->output = g_object_ref (g_io_stream_get_output_stream (stream));
  qmp->cancellable = g_cancellable_new ();
  qmp->next_id = 1;
  g_queue_init (&qmp->pending);
  start_read (qmp);
  return qmp;
}

static KtstrQmp *
qmp_ref (KtstrQmp *qmp)
{
  g_atomic_int_inc (&qmp->ref_count);
  return qmp;
}

void
ktstr_qmp_unref (KtstrQmp *qmp)
{
  if (!g_atomic_int_dec_and_test (&qmp->ref_count))
    return;
  ktstr_qmp_close (qmp);
  g_clear_object (&qmp->cancellable);
  g_clear_object (&qmp->input);
  g_clear_object (&qmp->output);
  g_clear_object (&qmp->stream);
  g_main_context_unref (qmp->context);
  g_free (qmp->qemu_version);
  g_free (qmp);
}

void
ktstr_qmp_set_event_func (KtstrQmp *qmp, KtstrQmpEventFunc func, gpointer user_data)
{
  qmp->event_func = func;
  qmp->event_data = user_data;
}

const char *
ktstr_qmp_get_qemu_version (KtstrQmp *qmp)
{
  return qmp->qemu_version;
}

gboolean
ktstr_qmp_is_closed (KtstrQmp *qmp)
{
  return qmp->is_closed;
}

/* Fails every pending command; the connection is over. */
static void
mark_closed (KtstrQmp *qmp, const char *why)
{
  GTask *task;
  qmp->is_closed = TRUE;
  while ((task = g_queue_pop_head (&qmp->pending)) != NULL)
    {
      Pending *pending = g_task_get_task_data (task);
      g_task_return_new_error (task, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_CLOSED,
                               "QMP command '%s' got no reply: %s", pending->cmd, why);
      g_object_unref (task);
    }
}

void
ktstr_qmp_close (KtstrQmp *qmp)
{
  if (qmp->stream == NULL || g_io_stream_is_closed (qmp->stream))
    {
      mark_closed (qmp, "the QMP connection was closed");
      return;
    }
  g_cancellable_cancel (qmp->cancellable);
  /* The cancelled read completes on our context; wait for it so nothing
   * refers to us afterwards.  Cancellation makes this immediate. */
  while (qmp->is_reading)
    g_main_context_iteration (qmp->context, TRUE);
  mark_closed (qmp, "the QMP connection was closed");
  g_io_stream_close (qmp->stream, NULL, NULL);
}

/* QMP messages are read defensively: a member of an unexpected type reads
 * as absent (json-glib's *_with_default getters would return NULL or
 * print a critical for it). */
static JsonObject *
object_member (JsonObject *o, const char *key)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, key) : NULL;
  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

const char *
ktstr_qmp_string_member (JsonObject *o, const char *key)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, key) : NULL;
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
             ? json_node_get_string (n)
             : NULL;
}

static gint64
int_member (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64
             ? json_node_get_int (n)
             : 0;
}

static void
parse_greeting (KtstrQmp *qmp, JsonObject *greeting)
{
  qmp->has_greeting = TRUE;
  JsonObject *qemu = object_member (object_member (greeting, "version"), "qemu");
  if (qemu == NULL)
    return;
  g_free (qmp->qemu_version);
  qmp->qemu_version = g_strdup_printf (
      "%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, int_member (qemu, "major"),
      int_member (qemu, "minor"), int_member (qemu, "micro"));
}

static void
dispatch_event (KtstrQmp *qmp, JsonObject *message)
{
  const char *name = ktstr_qmp_string_member (message, "event");
  gint64 timestamp_us = 0;

  if (name == NULL || qmp->event_func == NULL)
    return;
  JsonObject *data = object_member (message, "data");
  JsonObject *ts = object_member (message, "timestamp");
  /* QEMU's wall clock; anything outside 0..G_MAXINT64 microseconds is
   * nonsense and reads as "absent". */
  gint64 sec = ts != NULL ? int_member (ts, "seconds") : 0;
  gint64 usec = ts != NULL ? int_member (ts, "microseconds") : 0;
  if (sec > 0 && sec < G_MAXINT64 / G_USEC_PER_SEC - 1 && usec >= 0 && usec < G_USEC_PER_SEC)
    timestamp_us = sec * G_USEC_PER_SEC + usec;
  qmp->event_func (qmp, name, data, timestamp_us, qmp->event_data);
}

/* The pending command a reply belongs to: the one with its id, or the oldest
 * when the reply has none (QEMU omits it when it could not parse the
 * command).  Removed from the queue; NULL if none matches. */
static GTask *
take_pending (KtstrQmp *qmp, JsonObject *reply)
{
  const char *id = ktstr_qmp_string_member (reply, "id");
  if (id == NULL)
    return g_queue_pop_head (&qmp->pending);
  for (GList *l = qmp->pending.head; l != NULL; l = l->next)
    {
      Pending *pending = g_task_get_task_data (l->data);
      if (g_strcmp0 (pending->id, id) == 0)
        {
          GTask *task = l->data;
          g_queue_delete_link (&qmp->pending, l);
          return task;
        }
    }
  return NULL;
}

static void
dispatch_reply (KtstrQmp *qmp, JsonObject *reply)
{
  g_autoptr (GTask) task = take_pending (qmp, reply);
  Pending *pending;

  if (task == NULL)
    {
      g_debug ("qmp: ignoring a reply that matches no pending command");
      return;
    }
  pending = g_task_get_task_data (task);
  if (json_object_has_member (reply, "error"))
    {
      JsonObject *err = object_member (reply, "error");
      const char *klass = err != NULL ? ktstr_qmp_string_member (err, "class") : NULL;
      const char *desc = err != NULL ? ktstr_qmp_string_member (err, "desc") : NULL;
      if (klass == NULL)
        klass = "";
      if (desc == NULL)
        desc = "";
      g_task_return_new_error (task, KTSTR_QMP_ERROR, error_code_from_class (klass),
                               "QMP command '%s' failed: %s (%s)", pending->cmd, desc, klass);
      return;
    }
  g_task_return_pointer (task, json_node_copy (json_object_get_member (reply, "return")),
                         (GDestroyNotify)json_node_unref);
}

static void
fail_oldest (KtstrQmp *qmp, const char *line, const char *why)
{
  g_autoptr (GTask) task = g_queue_pop_head (&qmp->pending);
  if (task == NULL)
    {
      g_debug ("qmp: ignoring unexpected line '%s': %s", line, why);
      return;
    }
  g_task_return_new_error (task, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_PROTOCOL,
                           "unexpected line from QEMU's QMP socket: %s: %s", why, line);
}

static void
handle_line (KtstrQmp *qmp, char *line)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  JsonObject *message;
  gsize len = strlen (line);

  if (len > 0 && line[len - 1] == '\r')
    line[--len] = '\0';
  if (len == 0)
    return;
  /* json-glib recurses without limit; QMP replies nest a few levels. */
  if (ktstr_json_too_deep (line, len, KTSTR_JSON_MAX_DEPTH, NULL))
    {
      fail_oldest (qmp, line, "nested too deeply");
      return;
    }
  if (!json_parser_load_from_data (parser, line, (gssize)len, &error))
    {
      fail_oldest (qmp, line, error->message);
      return;
    }
  /* A line of only whitespace parses, with no root. */
  if (json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      fail_oldest (qmp, line, "not a JSON object");
      return;
    }
  message = json_node_get_object (json_parser_get_root (parser));

  if (json_object_has_member (message, "QMP"))
    {
      JsonNode *greeting = json_object_get_member (message, "QMP");
      if (JSON_NODE_HOLDS_OBJECT (greeting))
        parse_greeting (qmp, json_node_get_object (greeting));
      else
        qmp->has_greeting = TRUE;
    }
  else if (json_object_has_member (message, "event"))
    dispatch_event (qmp, message);
  else if (json_object_has_member (message, "return") || json_object_has_member (message, "error"))
    dispatch_reply (qmp, message);
  else
    fail_oldest (qmp, line, "neither a greeting, an event nor a reply");
}

static void
on_line_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KtstrQmp *qmp = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  gsize len = 0;

  /* Runs before anything else: when cancelled, qmp may be inside close(). */
  qmp->is_reading = FALSE;
  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, &len, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  qmp_ref (qmp); /* callbacks below may drop the caller's reference */
  if (line == NULL)
    mark_closed (qmp, error != NULL ? error->message : "QEMU closed the QMP connection");
  else
    handle_line (qmp, line);
  if (!qmp->is_closed && !g_cancellable_is_cancelled (qmp->cancellable))
    start_read (qmp);
  ktstr_qmp_unref (qmp);
}

static void
start_read (KtstrQmp *qmp)
{
  qmp->is_reading = TRUE;
  g_main_context_push_thread_default (qmp->context);
  g_data_input_stream_read_line_async (qmp->input, G_PRIORITY_DEFAULT, qmp->cancellable,
                                       on_line_read, qmp);
  g_main_context_pop_thread_default (qmp->context);
}

void
ktstr_qmp_execute_async (KtstrQmp *qmp, const char *cmd, JsonObject *arguments,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  Pending *pending = g_new0 (Pending, 1);

  g_main_context_push_thread_default (qmp->context);
  task = g_task_new (NULL, NULL, callback, user_data);
  g_main_context_pop_thread_default (qmp->context);
  g_task_set_source_tag (task, ktstr_qmp_execute_async);
  pending->id = g_strdup_printf ("ktstr-%u", qmp->next_id++);
  pending->cmd = g_strdup (cmd);
  g_task_set_task_data (task, pending, pending_free);

  if (qmp->is_closed)
    {
      g_task_return_new_error (task, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_CLOSED,
                               "cannot send QMP command '%s': the connection is closed", cmd);
      return;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "execute");
  json_builder_add_string_value (builder, cmd);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, pending->id);
  if (arguments != NULL)
    {
      json_builder_set_member_name (builder, "arguments");
      json_builder_add_value (builder, json_node_init_object (json_node_alloc (), arguments));
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  line = g_strconcat (text, "\n", NULL);

  /* A command is a few hundred bytes and QEMU reads its socket from its
   * main loop, so a blocking write cannot stall us for long. */
  if (!g_output_stream_write_all (qmp->output, line, strlen (line), NULL, NULL, &error)
      || !g_output_stream_flush (qmp->output, NULL, &error))
    {
      g_task_return_new_error (task, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_CLOSED,
                               "cannot send QMP command '%s': %s", cmd, error->message);
      return;
    }
  g_queue_push_tail (&qmp->pending, g_steal_pointer (&task));
}

JsonNode *
ktstr_qmp_execute_finish (KtstrQmp *qmp, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
set_flag (gpointer flag)
{
  *(gboolean *)flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates CONTEXT until *DONE or *DONE2 (may be NULL) is TRUE, or
 * TIMEOUT_MS passes; FALSE on timeout. */
static gboolean
iterate_until (GMainContext *context, const gboolean *done, const gboolean *done2, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  g_autoptr (GSource) timer = g_timeout_source_new (timeout_ms);

  g_source_set_callback (timer, set_flag, &timed_out, NULL);
  g_source_attach (timer, context);
  while (!*done && !(done2 != NULL && *done2) && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timer);
  return !timed_out;
}

/* Shared between a synchronous execute and its callback, which may run
 * after execute gave up waiting. */
typedef struct
{
  gboolean done;
  JsonNode *result;
  GError *error;
} SyncCall;

static void
sync_call_clear (gpointer p)
{
  SyncCall *call = p;
  g_clear_pointer (&call->result, json_node_unref);
  g_clear_error (&call->error);
}

static void
on_sync_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SyncCall *call = user_data;
  call->result = ktstr_qmp_execute_finish (NULL, result, &call->error);
  call->done = TRUE;
  g_rc_box_release_full (call, sync_call_clear);
}

JsonNode *
ktstr_qmp_execute (KtstrQmp *qmp, const char *cmd, JsonObject *arguments, guint timeout_ms,
                   GError **error)
{
  SyncCall *call = g_rc_box_new0 (SyncCall);
  JsonNode *ret = NULL;

  ktstr_qmp_execute_async (qmp, cmd, arguments, on_sync_reply, g_rc_box_acquire (call));
  if (!iterate_until (qmp->context, &call->done, NULL, timeout_ms))
    g_set_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_TIMEOUT,
                 "QMP command '%s' got no reply within %u ms", cmd, timeout_ms);
  else if (call->error != NULL)
    g_propagate_error (error, g_steal_pointer (&call->error));
  else
    ret = g_steal_pointer (&call->result);
  g_rc_box_release_full (call, sync_call_clear);
  return ret;
}

gboolean
ktstr_qmp_negotiate (KtstrQmp *qmp, guint timeout_ms, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  gint64 left_ms;
  g_autoptr (JsonNode) reply = NULL;

  if (!iterate_until (qmp->context, &qmp->has_greeting, &qmp->is_closed, timeout_ms))
    {
      g_set_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_TIMEOUT,
                   "QEMU sent no QMP greeting within %u ms", timeout_ms);
      return FALSE;
    }
  if (!qmp->has_greeting)
    {
      g_set_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_CLOSED,
                   "QEMU closed the QMP connection before its greeting");
      return FALSE;
    }
  left_ms = MAX (1, (gint64)timeout_ms - (g_get_monotonic_time () - start) / 1000);
  reply = ktstr_qmp_execute (qmp, "qmp_capabilities", NULL, (guint)left_ms, error);
  return reply != NULL;
}

GSocketConnection *
ktstr_unix_socket_connect_retry (const char *path, guint timeout_ms, const gboolean *stop_flag,
                                 GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr (GError) last_error = NULL;
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  for (;;)
    {
      GSocketConnection *conn;
      gboolean tick = FALSE;

      g_clear_error (&last_error);
      conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &last_error);
      if (conn != NULL)
        return conn;
      if ((stop_flag != NULL && *stop_flag) || g_get_monotonic_time () >= deadline)
        break;
      /* QEMU creates the socket while it starts; look again in 10 ms and
       * keep the context running meanwhile. */
      iterate_until (context, &tick, stop_flag, 10);
    }
  g_set_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_CONNECT, "cannot connect to '%s'%s: %s",
               path, stop_flag != NULL && *stop_flag ? "" : " in time", last_error->message);
  return NULL;
}

KtstrQmp *
ktstr_qmp_connect_unix (const char *path, guint timeout_ms, const gboolean *stop_flag,
                        GError **error)
{
  g_autoptr (GSocketConnection) conn
      = ktstr_unix_socket_connect_retry (path, timeout_ms, stop_flag, error);
  if (conn == NULL)
    return NULL;
  return ktstr_qmp_new (G_IO_STREAM (conn));
}
