/* Guest RAM that QEMU and ktstr both map (share_ram), for the host
 * monitor: one file per NUMA node, handed to QEMU as memory-backend-file
 * with share=on (see qemu-args.h for the guest physical layout), mapped
 * MAP_SHARED here.  The files live in /dev/shm when it has room (tmpfs:
 * the same page cache QEMU would allocate anyway, and no disk traffic),
 * else in the VM's private work directory, and lose their names as soon as
 * QEMU has opened them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "backends/qemu/qemu-args.h"
#include "backends/qemu/qemu-vm.h"

#define SHM_DIR "/dev/shm"

static void
ram_file_free (KtstrQemuRamFile *f)
{
  if (f->map != NULL)
    munmap (f->map, f->size);
  if (!f->is_unlinked)
    g_unlink (f->path);
  g_free (f->path);
  g_free (f);
}

/* /dev/shm when writable with NEED bytes free (and some to spare), else
 * the work directory. */
static const char *
ram_dir (const KtstrVm *vm, guint64 need)
{
  struct statvfs st;
  if (vm->placement != NULL && vm->placement->hugepage_dir != NULL)
    return vm->placement->hugepage_dir;
  if (access (SHM_DIR, W_OK) == 0 && statvfs (SHM_DIR, &st) == 0
      && (guint64)st.f_bavail * st.f_frsize > need + (need / 4))
    return SHM_DIR;
  return vm->workdir;
}

static KtstrQemuRamFile *
create_one (const char *dir, guint node, guint64 size, GError **error)
{
  g_autofree char *tmpl
      = g_strdup_printf ("%s/ktstr-ram-%d-node%u-XXXXXX", dir, (int)getpid (), node);
  int fd = g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_LAUNCH,
                   "cannot create the shared guest RAM file in %s: %s", dir, g_strerror (errsv));
      return NULL;
    }
  KtstrQemuRamFile *f = g_new0 (KtstrQemuRamFile, 1);
  f->path = g_steal_pointer (&tmpl);
  f->size = size;
  if (ftruncate (fd, (off_t)size) != 0
      || (f->map = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
    {
      int errsv = errno;
      f->map = NULL;
      close (fd);
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_LAUNCH,
                   "cannot size or map the shared guest RAM file %s: %s", f->path,
                   g_strerror (errsv));
      ram_file_free (f);
      return NULL;
    }
  close (fd);
  return f;
}

gboolean
ktstr_qemu_ram_create (KtstrVm *vm, GError **error)
{
  ktstr_qemu_ram_release (vm);
  if (!vm->share_ram)
    return TRUE;
  guint nodes = MAX (vm->topology.numa_nodes, 1u);
  const char *dir = ram_dir (vm, (guint64)vm->memory_mb << 20);
  vm->ram_files = g_ptr_array_new_with_free_func ((GDestroyNotify)ram_file_free);
  for (guint node = 0; node < nodes; node++)
    {
      guint64 size = (guint64)ktstr_qemu_node_mb (vm->memory_mb, nodes, node) << 20;
      KtstrQemuRamFile *f = create_one (dir, node, size, error);
      if (f == NULL)
        {
          ktstr_qemu_ram_release (vm);
          return FALSE;
        }
      g_ptr_array_add (vm->ram_files, f);
    }
  return TRUE;
}

char **
ktstr_qemu_ram_paths (const KtstrVm *vm)
{
  if (vm->ram_files == NULL)
    return NULL;
  char **paths = g_new0 (char *, vm->ram_files->len + 1);
  for (guint i = 0; i < vm->ram_files->len; i++)
    paths[i] = g_strdup (((KtstrQemuRamFile *)vm->ram_files->pdata[i])->path);
  return paths;
}

void
ktstr_qemu_ram_unlink (KtstrVm *vm)
{
  for (guint i = 0; vm->ram_files != NULL && i < vm->ram_files->len; i++)
    {
      KtstrQemuRamFile *f = vm->ram_files->pdata[i];
      if (!f->is_unlinked)
        g_unlink (f->path);
      f->is_unlinked = TRUE;
    }
}

void
ktstr_qemu_ram_release (KtstrVm *vm)
{
  g_clear_pointer (&vm->ram_files, g_ptr_array_unref);
  g_clear_pointer (&vm->vcpu_tids, g_array_unref);
}

void
ktstr_qemu_ram_query_vcpus (KtstrVm *vm)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply
      = ktstr_qmp_execute (vm->qmp, "query-cpus-fast", NULL, KTSTR_QEMU_COMMAND_TIMEOUT_MS, &error);
  if (reply == NULL || !JSON_NODE_HOLDS_ARRAY (reply))
    {
      g_debug ("qemu backend: query-cpus-fast: %s", error ? error->message : "not an array");
      return;
    }
  JsonArray *cpus = json_node_get_array (reply);
  g_clear_pointer (&vm->vcpu_tids, g_array_unref);
  vm->vcpu_tids = g_array_new (FALSE, TRUE, sizeof (int));
  g_array_set_size (vm->vcpu_tids, json_array_get_length (cpus));
  for (guint i = 0; i < json_array_get_length (cpus); i++)
    {
      JsonObject *o = json_array_get_object_element (cpus, i);
      gint64 index = json_object_get_int_member_with_default (o, "cpu-index", -1);
      gint64 tid = json_object_get_int_member_with_default (o, "thread-id", 0);
      if (index >= 0 && index < (gint64)vm->vcpu_tids->len)
        g_array_index (vm->vcpu_tids, int, index) = (int)tid;
    }
}
