/* Kernel command-line arguments that come from the user (--karg) or from
 * a scheduler definition (kargs=, sysctls=), checked before they are
 * appended to the command line ktstr builds.
 *
 * ktstr sets console=, rdinit=, init=, panic= and its own ktstr.* words
 * itself; the kernel honours the last occurrence of most parameters, so
 * one appended later would override them.  A check on the whole --karg
 * string was bypassed by "quiet rdinit=/nope": the kernel splits the
 * command line into words (double quotes group, as in param="a b"), so
 * each argument is split the same way and every word is checked.  A word
 * "--" would hand the rest of the line to the guest agent as its own
 * arguments, so it is refused too.  A sysctl becomes "sysctl.NAME=VALUE"
 * on the command line: its name must look like a sysctl and its value
 * must be one word, or it would inject more arguments. */
#ifndef KTSTR_SCHED_KARGS_H
#define KTSTR_SCHED_KARGS_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_KARGS_ERROR (ktstr_kargs_error_quark ())
GQuark ktstr_kargs_error_quark (void);

typedef enum
{
  KTSTR_KARGS_ERROR_RESERVED, /* a word ktstr sets itself */
  KTSTR_KARGS_ERROR_INVALID,  /* unbalanced quotes, control characters, a bad sysctl */
} KtstrKargsError;

/* ARG split into words as the kernel splits its command line (blanks
 * separate words; a double quote starts or ends a quoted part, which may
 * hold blanks; the quotes stay in the word).  NULL with an error for
 * unbalanced quotes or a control character. */
char **ktstr_kargs_split (const char *arg, GError **error);

/* Checks every word of every argument in KARGS (may be NULL).  ORIGIN
 * names where they came from in messages ("--karg", "sched.ini kargs="). */
gboolean ktstr_kargs_check (const char *const *kargs, const char *origin, GError **error);

/* Checks one sysctl setting, "NAME=VALUE" or "sysctl.NAME=VALUE": NAME is
 * dot- or slash-separated words of [A-Za-z0-9_-], VALUE is one word of
 * printable characters without quotes. */
gboolean ktstr_kargs_check_sysctl (const char *setting, const char *origin, GError **error);

G_END_DECLS

#endif
