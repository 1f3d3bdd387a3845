/* Does /dev/kvm run guests at hardware speed here?
 *
 * Some hosts expose a /dev/kvm that works but emulates every guest
 * instruction (nested virtualization without hardware support): there a
 * 100-million-iteration loop takes minutes instead of tens of
 * milliseconds, and a Linux boot does not finish.  The presence of
 * /dev/kvm says nothing about that, so the answer comes from running a
 * tiny guest: a 64-bit loop of 1000 x 100000 iterations that reports each
 * chunk on port 0x80.  It stops after a 1 s budget; the rate it reached
 * projects the time of the full loop, and kvm counts as fast when that is
 * under 0.5 s.
 *
 * The verdict is cached per process and on disk
 * ($XDG_CACHE_HOME/ktstr/kvm-speed, keyed by boot ID and kernel release);
 * KTSTR_KVM_SPEED=fast or =slow overrides it. */
#ifndef KTSTR_KVM_CALIBRATE_H
#define KTSTR_KVM_CALIBRATE_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_KVM_CALIBRATE_ITERATIONS 100000000.0
#define KTSTR_KVM_FAST_THRESHOLD_S 0.5

typedef struct
{
  gboolean is_fast;
  double projected_s; /* what the full 100M-iteration loop takes (projected) */
  char *source;       /* "measured", "cache" or "KTSTR_KVM_SPEED" */
} KtstrKvmSpeed;

void ktstr_kvm_speed_clear (KtstrKvmSpeed *speed);

/* Runs the calibration guest on DEVICE (NULL: /dev/kvm) within BUDGET_S
 * seconds; no caching. */
gboolean ktstr_kvm_speed_measure (const char *device, double budget_s, KtstrKvmSpeed *out,
                                  GError **error);

/* The cached verdict for /dev/kvm, measuring it when there is none. */
gboolean ktstr_kvm_speed_get (KtstrKvmSpeed *out, GError **error);

/* One sentence for users: how fast guests run and what it means. */
char *ktstr_kvm_speed_describe (const KtstrKvmSpeed *speed);

G_END_DECLS

#endif
