#include "config.h"

#include "guest-init/ctrl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/serial.h>
#include <termios.h>
#include <unistd.h>

#include "common/proto.h"

#define VIRTIO_PORTS_DIR "/sys/class/virtio-ports"

/* Looks for the port whose name file says KTSTR_CTRL_PORT_NAME.  On a hit
 * fills dev ("/dev/vport0p1") and its device number. */
static bool
find_named_port (char *dev, size_t len, dev_t *devno)
{
  DIR *d = opendir (VIRTIO_PORTS_DIR);
  if (d == NULL)
    return false;
  bool found = false;
  struct dirent *e;
  while (!found && (e = readdir (d)) != NULL)
    {
      char path[512], name[128], num[32];
      unsigned maj, min;
      if (e->d_name[0] == '.')
        continue;
      if (ktstr_path (path, sizeof path, VIRTIO_PORTS_DIR "/%s/name", e->d_name) != 0
          || ktstr_read_text (path, name, sizeof name) < 0
          || strcmp (name, KTSTR_CTRL_PORT_NAME) != 0)
        continue;
      if (ktstr_path (path, sizeof path, VIRTIO_PORTS_DIR "/%s/dev", e->d_name) != 0
          || ktstr_read_text (path, num, sizeof num) < 0 || sscanf (num, "%u:%u", &maj, &min) != 2)
        continue;
      if (ktstr_path (dev, len, "/dev/%s", e->d_name) != 0)
        continue;
      *devno = makedev (maj, min);
      found = true;
    }
  closedir (d);
  return found;
}

static void
set_raw (int fd)
{
  struct termios t;
  if (tcgetattr (fd, &t) != 0)
    return;
  cfmakeraw (&t);
  /* No modem control lines on a virtual UART: without CLOCAL a write could
   * wait for a carrier that never comes. */
  t.c_cflag |= CLOCAL;
  cfsetispeed (&t, B115200);
  cfsetospeed (&t, B115200);
  tcsetattr (fd, TCSANOW, &t);
}

static int
open_device (KtstrCtrl *c, const char *path, KtstrCtrlKind kind)
{
  /* O_NONBLOCK only for the open itself (a tty open may wait for carrier);
   * writes are blocking after a bounded poll, see ktstr_ctrl_write. */
  int fd = open (path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return -1;
  int fl = fcntl (fd, F_GETFL);
  if (fl >= 0)
    fcntl (fd, F_SETFL, fl & ~O_NONBLOCK);
  /* The 8250 driver registers ttyS0-3 whether or not the UARTs exist, and
   * opening a missing one succeeds; its type says there is nothing there. */
  struct serial_struct ss;
  if (kind == KTSTR_CTRL_TTY && ioctl (fd, TIOCGSERIAL, &ss) == 0 && ss.type == PORT_UNKNOWN)
    {
      close (fd);
      errno = ENODEV;
      return -1;
    }
  if (kind == KTSTR_CTRL_TTY || isatty (fd))
    {
      kind = KTSTR_CTRL_TTY;
      set_raw (fd);
    }
  c->fd = fd;
  c->kind = kind;
  c->is_broken = false;
  c->write_timeout_ms = KTSTR_CTRL_WRITE_TIMEOUT_MS;
  snprintf (c->path, sizeof c->path, "%s", path);
  return 0;
}

int
ktstr_ctrl_open_port (KtstrCtrl *c, const char *device, unsigned wait_ms, KtstrError *err)
{
  uint64_t deadline = ktstr_now_ns () + (uint64_t)wait_ms * 1000000ull;
  int last_errno = ENOENT;

  c->fd = -1;
  if (device != NULL)
    {
      for (;;)
        {
          if (open_device (c, device, KTSTR_CTRL_VIRTIO) == 0)
            return 0;
          last_errno = errno;
          if (ktstr_now_ns () >= deadline)
            break;
          ktstr_sleep_ms (10);
        }
      ktstr_error_set (err, "control device '%s' (from ktstr.ctrl=) cannot be opened: %s", device,
                       strerror (last_errno));
      return -1;
    }

  for (;;)
    {
      char dev[256];
      dev_t devno;
      if (find_named_port (dev, sizeof dev, &devno))
        {
          /* devtmpfs creates the node asynchronously; if it is not there
           * yet, make it ourselves rather than wait. */
          if (access (dev, F_OK) != 0 && mknod (dev, S_IFCHR | 0600, devno) != 0 && errno != EEXIST)
            last_errno = errno;
          else if (open_device (c, dev, KTSTR_CTRL_VIRTIO) == 0)
            return 0;
          else
            last_errno = errno;
        }
      if (ktstr_now_ns () >= deadline)
        break;
      ktstr_sleep_ms (10);
    }

  /* No named virtio port: a VMM without virtio-serial multiport (our own
   * VMM backend) offers a virtio console (hvc0) or a second UART. */
  static const char *const fallbacks[] = { "/dev/hvc0", "/dev/ttyS1" };
  for (size_t i = 0; i < sizeof fallbacks / sizeof fallbacks[0]; i++)
    if (open_device (c, fallbacks[i], KTSTR_CTRL_TTY) == 0)
      return 0;

  ktstr_error_set (err,
                   "no control channel: no virtio port named '%s' under " VIRTIO_PORTS_DIR
                   " after %u ms (last error: %s), and neither /dev/hvc0 nor /dev/ttyS1 opens",
                   KTSTR_CTRL_PORT_NAME, wait_ms, strerror (last_errno));
  return -1;
}

void
ktstr_ctrl_init_fd (KtstrCtrl *c, int fd, const char *what)
{
  c->fd = fd;
  c->kind = KTSTR_CTRL_FILE;
  c->is_broken = false;
  c->write_timeout_ms = KTSTR_CTRL_WRITE_TIMEOUT_MS;
  snprintf (c->path, sizeof c->path, "%s", what);
}

/* The scheduler watcher thread (scheduler.c) writes too: one lock keeps
 * every line whole. */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static int write_unlocked (KtstrCtrl *c, const char *buf, size_t len);

int
ktstr_ctrl_write (KtstrCtrl *c, const char *buf, size_t len)
{
  pthread_mutex_lock (&write_lock);
  int r = write_unlocked (c, buf, len);
  pthread_mutex_unlock (&write_lock);
  return r;
}

static int
write_unlocked (KtstrCtrl *c, const char *buf, size_t len)
{
  if (c->is_broken || c->fd < 0)
    return -1;
  uint64_t deadline = ktstr_now_ns () + (uint64_t)c->write_timeout_ms * 1000000ull;
  size_t off = 0;
  while (off < len)
    {
      uint64_t now = ktstr_now_ns ();
      if (now >= deadline)
        {
          ktstr_diag ("control channel %s: write timed out after %u ms; dropping further messages",
                      c->path, c->write_timeout_ms);
          c->is_broken = true;
          return -1;
        }
      /* Wait until the write cannot block (host connected, queue not full),
       * then write in blocking mode: on a virtio port that returns only once
       * the host has consumed the buffer, which is what makes poweroff right
       * after the last message safe. */
      struct pollfd p = { .fd = c->fd, .events = POLLOUT };
      int timeout = (int)((deadline - now) / 1000000ull) + 1;
      int r = poll (&p, 1, timeout);
      if (r < 0 && errno == EINTR)
        continue;
      if (r == 0)
        continue;
      if (r < 0 || (p.revents & (POLLERR | POLLNVAL)))
        {
          ktstr_diag ("control channel %s: poll failed: %s; dropping further messages", c->path,
                      r < 0 ? strerror (errno) : "POLLERR");
          c->is_broken = true;
          return -1;
        }
      if ((p.revents & POLLOUT) == 0)
        {
          /* POLLHUP: the host side is not connected yet.  Writing now would
           * block without bound, so wait (within the deadline) instead. */
          ktstr_sleep_ms (10);
          continue;
        }
      ssize_t w = write (c->fd, buf + off, len - off);
      if (w < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (w <= 0)
        {
          ktstr_diag ("control channel %s: write failed: %s; dropping further messages", c->path,
                      w < 0 ? strerror (errno) : "wrote nothing");
          c->is_broken = true;
          return -1;
        }
      off += (size_t)w;
    }
  return 0;
}

void
ktstr_ctrl_flush (KtstrCtrl *c)
{
  if (c->fd < 0)
    return;
  if (c->kind == KTSTR_CTRL_TTY)
    tcdrain (c->fd);
  else if (c->kind == KTSTR_CTRL_FILE)
    fsync (c->fd);
  /* KTSTR_CTRL_VIRTIO: nothing to do, every blocking write already waited
   * for the host (virtio_console has no fsync). */
}
