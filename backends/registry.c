/* The table of backends: the one place that names every implementation,
 * so that backend.c (the helpers the backends themselves use) depends on
 * none of them. */
#include "config.h"

#include "backends/backend.h"

/* Every backend, most preferred first; the last is the fallback of
 * --backend=auto and has no is_preferred hook. */
static const KtstrBackend *const backends[] = { &ktstr_backend_kvm, &ktstr_backend_qemu };

static const KtstrBackend *
lookup_available (const KtstrBackend *backend, GError **error)
{
  if (backend->is_available != NULL && !backend->is_available (error))
    {
      g_prefix_error (error, "the %s backend cannot run here: ", backend->name);
      return NULL;
    }
  return backend;
}

/* --backend=auto: the first backend whose is_preferred hook says yes (for
 * kvm: /dev/kvm really runs guests at hardware speed, a timed calibration
 * guest cached per boot); otherwise the fallback, and the first time we
 * say why the others were not chosen. */
static const KtstrBackend *
lookup_auto (GError **error)
{
  static gsize said_why = 0;
  const KtstrBackend *fallback = backends[G_N_ELEMENTS (backends) - 1];
  g_autoptr (GString) not_chosen = g_string_new (NULL);
  g_autoptr (GString) reasons = g_string_new (NULL);
  for (gsize i = 0; i + 1 < G_N_ELEMENTS (backends); i++)
    {
      const KtstrBackend *b = backends[i];
      g_autoptr (GError) why = NULL;
      if (b->is_preferred (&why))
        return b;
      g_string_append_printf (not_chosen, "%s%s was not chosen (%s)",
                              not_chosen->len > 0 ? "; " : "", b->name, why->message);
      g_string_append_printf (reasons, "%s%s", reasons->len > 0 ? "; " : "", why->message);
    }
  if (g_once_init_enter (&said_why))
    {
      g_printerr ("ktstr: --backend=auto uses %s: %s\n", fallback->name, reasons->str);
      g_once_init_leave (&said_why, 1);
    }
  const KtstrBackend *chosen = lookup_available (fallback, error);
  if (chosen == NULL)
    g_prefix_error (error, "no backend fits: %s; ", not_chosen->str);
  return chosen;
}

const KtstrBackend *
ktstr_backend_lookup (const char *name, GError **error)
{
  if (g_strcmp0 (name, "auto") == 0)
    return lookup_auto (error);
  for (gsize i = 0; i < G_N_ELEMENTS (backends); i++)
    if (g_strcmp0 (name, backends[i]->name) == 0)
      return lookup_available (backends[i], error);
  g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
               "unknown backend '%s'; choose auto, qemu or kvm", name != NULL ? name : "");
  return NULL;
}
