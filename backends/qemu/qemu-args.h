/* The qemu-system-x86_64 command line for one ktstr VM, as a pure function
 * of its inputs (unit-tested in tests/test-qemu-args.c).
 *
 * The guest starts paused (-S) so the backend can connect QMP and the
 * control socket before the first instruction; the kernel console (ttyS0)
 * goes to a file (or, for an interactive shell, to QEMU's own terminal
 * with the file as its log); the guest agent's lines come over the virtio-serial port
 * org.ktstr.ctrl; a pvpanic device turns a guest panic into the QMP event
 * GUEST_PANICKED (and the guest goes on to print its panic and reboot);
 * -no-reboot turns a guest reboot into SHUTDOWN.
 *
 * Topology "{n}n{l}l{c}c{t}t" maps to sockets = NUMA nodes, dies = LLCs per
 * node, cores per die, threads per core; with an Intel CPU model QEMU gives
 * every die its own L3, so the guest sees one LLC per die.  With more than
 * one node, memory is split evenly over -numa nodes backed by RAM objects.
 * Under TCG the kernel command line gets no_timer_check (see qemu-args.c).
 *
 * With hugepage_dir or mem_host_nodes (performance mode) every node's RAM
 * is an explicit memory backend: a file under the hugetlbfs mount, bound
 * with policy=bind to the host nodes (one host-nodes=A-B per range).
 *
 * With ram_paths, guest RAM lives in files this process maps too (one per
 * NUMA node, memory-backend-file with share=on) and the machine keeps at
 * most 2 GiB below 4 GiB (max-ram-below-4g=2G), so that where each byte of
 * RAM lies in guest physical memory is the same on pc and q35 and for every
 * QEMU version: ktstr_qemu_ram_layout.
 */
#ifndef KTSTR_BACKENDS_QEMU_QEMU_ARGS_H
#define KTSTR_BACKENDS_QEMU_QEMU_ARGS_H

#include <glib.h>

#include "common/topology.h"

G_BEGIN_DECLS

/* Measured under TCG here (see the README's performance section): "pc"
 * boots the fixture kernel about 0.2-0.4 s faster than "q35"; "microvm" is
 * not offered: it has no NUMA tables and its TSC calibration fails in about
 * one boot in five without PIT/HPET. */
#define KTSTR_QEMU_DEFAULT_MACHINE "pc"

/* With TCG an Intel model (so L3 follows dies); check=off keeps QEMU from
 * warning about every feature TCG cannot emulate. */
#define KTSTR_QEMU_TCG_CPU "Skylake-Server,check=off"

typedef struct
{
  const char *qemu;           /* the binary */
  const char *machine;        /* "pc" or "q35"; NULL = KTSTR_QEMU_DEFAULT_MACHINE */
  const char *accel;          /* "tcg" or "kvm" */
  const char *kernel_path;    /* bzImage or vmlinux; QEMU boots both with -kernel */
  const char *initramfs_path; /* NULL: none */
  const char *cmdline;        /* NULL: empty; TCG adds no_timer_check */
  KtstrTopology topology;
  guint memory_mb;
  const char *console_path;
  gboolean is_console_on_stdio; /* the console on QEMU's stdin/stdout, logged to console_path */
  const char *ctrl_socket_path;
  const char *qmp_socket_path;
  const char *const *ram_paths; /* NULL, or one file per NUMA node */
  /* Performance mode: guest RAM from this hugetlbfs mount (when not in
   * ram_paths, which then lie there themselves), and bound to these host
   * NUMA nodes ("A-B" ranges joined by ','); NULL: neither. */
  const char *hugepage_dir;
  const char *mem_host_nodes;
} KtstrQemuArgs;

/* RAM the host maps: below 4 GiB at most this much, the rest from 4 GiB. */
#define KTSTR_QEMU_SHARED_LOW_RAM (2ull << 30)

/* Megabytes of NUMA node NODE when MEMORY_MB is split over N_NODES. */
guint ktstr_qemu_node_mb (guint memory_mb, guint n_nodes, guint node);

/* One contiguous piece of guest physical RAM under ram_paths. */
typedef struct
{
  guint64 gpa;
  guint64 size;
  guint node;          /* whose file holds it */
  guint64 file_offset; /* where in that file */
} KtstrQemuRamPiece;

/* The pieces of MEMORY_MB over N_NODES nodes, in guest physical order. */
GArray *ktstr_qemu_ram_layout (guint memory_mb, guint n_nodes);

/* The argv (argv[0] = args->qemu), or NULL with KTSTR_BACKEND_ERROR_INVALID
 * naming the bad input. */
GStrv ktstr_qemu_args_build (const KtstrQemuArgs *args, GError **error);

/* ARGV as one line a shell runs as the same command: words that need it
 * are quoted with g_shell_quote. */
char *ktstr_qemu_args_to_shell (const char *const *argv);

G_END_DECLS

#endif
