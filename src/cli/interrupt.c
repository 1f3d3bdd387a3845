#include "config.h"

#include "cli/interrupt.h"

#include <errno.h>
#include <glib-unix.h>
#include <unistd.h>

struct _KtstrInterrupt
{
  struct sigaction old_int, old_term, old_hup;
  GSource *watch;
  KtstrInterruptFunc on_stop;
  gpointer user_data;
  gboolean has_stopped;
};

/* The handler's state: a signal handler gets no argument to carry it. */
static volatile sig_atomic_t got_signal;
static int signal_pipe[2] = { -1, -1 };

static void
on_signal (int signo)
{
  int saved = errno;
  char c = (char)signo;
  got_signal = 1;
  if (write (signal_pipe[1], &c, 1) < 0)
    {
      /* Nothing to do: the flag is set. */
    }
  errno = saved;
}

static gboolean
on_pipe (gint fd, GIOCondition condition, gpointer user_data)
{
  KtstrInterrupt *in = user_data;
  char buf[16];
  (void)condition;
  if (read (fd, buf, sizeof buf) <= 0 || in->has_stopped)
    return G_SOURCE_CONTINUE;
  in->has_stopped = TRUE;
  in->on_stop (in->user_data);
  return G_SOURCE_CONTINUE;
}

KtstrInterrupt *
ktstr_interrupt_install (KtstrInterruptFunc on_stop, gpointer user_data, GError **error)
{
  g_return_val_if_fail (signal_pipe[0] < 0, NULL);
  if (!g_unix_open_pipe (signal_pipe, FD_CLOEXEC, error))
    return NULL;
  g_unix_set_fd_nonblocking (signal_pipe[1], TRUE, NULL);
  KtstrInterrupt *in = g_new0 (KtstrInterrupt, 1);
  in->on_stop = on_stop;
  in->user_data = user_data;
  got_signal = 0;
  in->watch = g_unix_fd_source_new (signal_pipe[0], G_IO_IN);
  g_source_set_callback (in->watch, G_SOURCE_FUNC (on_pipe), in, NULL);
  g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();
  g_source_attach (in->watch, context);
  struct sigaction sa = { 0 };
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, &in->old_int);
  sigaction (SIGTERM, &sa, &in->old_term);
  sigaction (SIGHUP, &sa, &in->old_hup);
  return in;
}

void
ktstr_interrupt_remove (KtstrInterrupt *in)
{
  if (in == NULL)
    return;
  sigaction (SIGINT, &in->old_int, NULL);
  sigaction (SIGTERM, &in->old_term, NULL);
  sigaction (SIGHUP, &in->old_hup, NULL);
  g_source_destroy (in->watch);
  g_source_unref (in->watch);
  close (signal_pipe[0]);
  close (signal_pipe[1]);
  signal_pipe[0] = signal_pipe[1] = -1;
  g_free (in);
}

const volatile sig_atomic_t *
ktstr_interrupt_get_flag (const KtstrInterrupt *in)
{
  (void)in;
  return &got_signal;
}
