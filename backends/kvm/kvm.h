/* The kvm backend as the rest of backends/ and the tests see it.
 *
 * ktstr_backend_kvm (declared in backends/backend.h) runs a test VM on our
 * own VMM; this header adds what the tests need on top of the KtstrBackend
 * interface (--backend=auto reaches ktstr_kvm_auto_is_preferred through
 * the interface's is_preferred hook). */
#ifndef KTSTR_KVM_KVM_H
#define KTSTR_KVM_KVM_H

#include <glib.h>

#include "backends/backend.h"

G_BEGIN_DECLS

/* For --backend=auto: TRUE when kvm should be chosen here, which needs a
 * usable /dev/kvm that runs guests at hardware speed (measured once and
 * cached, see calibrate.h).  Otherwise FALSE, and KTSTR_BACKEND_ERROR
 * UNAVAILABLE (no usable /dev/kvm) or NOT_PREFERRED (it is emulated, or
 * the speed check failed) says what was found. */
gboolean ktstr_kvm_auto_is_preferred (GError **error);

/* Sends LEN bytes to the guest on the control channel (tests use it to
 * answer a guest; the ktstr protocol itself is guest-to-host). */
void ktstr_kvm_vm_send_ctrl (KtstrVm *vm, const guint8 *data, gsize len);

/* The final guest command line (with the backend's device arguments). */
const char *ktstr_kvm_vm_get_cmdline (KtstrVm *vm);

G_END_DECLS

#endif
