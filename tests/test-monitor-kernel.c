/* The host monitor's view of a kernel: the vmlinux reader, the BTF
 * reader and the layout it yields (against the fixture vmlinux, whose
 * offsets a C compiler computed from its vmlinux.h), guest memory and
 * address translation (synthetic page tables), and the host sampler on a
 * synthetic guest kernel. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "kernel/kernel-cache.h"
#include "monitor/btf.h"
#include "monitor/guest-mem.h"
#include "monitor/host-sampler.h"
#include "monitor/kernel-layout.h"
#include "monitor/vmlinux.h"
#include "util/datapath.h"

static char *vmlinux_dir;
static char *vmlinux_path;

/* The fixture vmlinux (vmlinux.xz beside $KTSTR_TEST_KERNEL, see
 * tests/fixtures.sh), decompressed once into a temporary directory; NULL
 * (test skipped) without it or xz. */
static const char *
fixture_vmlinux (void)
{
  static gboolean tried;
  if (!tried)
    {
      tried = TRUE;
      const char *kernel = g_getenv ("KTSTR_TEST_KERNEL");
      g_autofree char *dir = kernel != NULL ? g_path_get_dirname (kernel) : NULL;
      g_autofree char *xz = dir != NULL ? g_build_filename (dir, "vmlinux.xz", NULL) : NULL;
      g_autofree char *xz_bin = g_find_program_in_path ("xz");
      if (xz != NULL && g_file_test (xz, G_FILE_TEST_IS_REGULAR) && xz_bin != NULL)
        {
          vmlinux_dir = g_dir_make_tmp ("ktstr-vmlinux-XXXXXX", NULL);
          g_autofree char *out = g_build_filename (vmlinux_dir, "vmlinux", NULL);
          g_autofree char *cmd = g_strdup_printf ("sh -c 'xz -dc \"%s\" > \"%s\"'", xz, out);
          int status = -1;
          if (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL) && status == 0)
            vmlinux_path = g_steal_pointer (&out);
        }
    }
  if (vmlinux_path == NULL)
    g_test_skip ("needs xz and vmlinux.xz beside $KTSTR_TEST_KERNEL (the fixture kernel)");
  return vmlinux_path;
}

/* ---- vmlinux ---- */

static void
test_vmlinux_symbols (void)
{
  const char *path = fixture_vmlinux ();
  if (path == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrVmlinux) v = ktstr_vmlinux_open (path, &error);
  g_assert_no_error (error);
  guint64 a;
  /* Values from the fixture's System.map. */
  g_assert_true (ktstr_vmlinux_symbol (v, "runqueues", &a));
  g_assert_cmphex (a, ==, 0x2f680);
  g_assert_true (ktstr_vmlinux_symbol (v, "__per_cpu_offset", &a));
  g_assert_cmphex (a, ==, 0xffffffff82a56b40);
  g_assert_true (ktstr_vmlinux_symbol (v, "scx_watchdog_timeout", &a)); /* a static one */
  g_assert_cmphex (a, ==, 0xffffffff83e43878);
  g_assert_false (ktstr_vmlinux_symbol (v, "no_such_symbol_here", &a));
  gsize size = 0;
  g_assert_nonnull (ktstr_vmlinux_section (v, ".BTF", &size));
  g_assert_cmpuint (size, >, 1000000);
  g_assert_null (ktstr_vmlinux_section (v, ".no-such", &size));
  g_assert_true (ktstr_vmlinux_symbol (v, "linux_banner", &a));
  const guint8 *banner = ktstr_vmlinux_bytes_at (v, a, 20);
  g_assert_nonnull (banner);
  g_assert_cmpmem (banner, 20, "Linux version 6.12.1", 20);
  g_assert_cmpuint (ktstr_vmlinux_config_hz (v), ==, 1000);
}

static void
test_vmlinux_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (ktstr_vmlinux_open ("/nonexistent/vmlinux", &error));
  g_assert_error (error, KTSTR_VMLINUX_ERROR, KTSTR_VMLINUX_ERROR_IO);
  g_clear_error (&error);

  g_autofree char *dir = g_dir_make_tmp ("ktstr-vml-XXXXXX", NULL);
  g_autofree char *text = g_build_filename (dir, "bzImage", NULL);
  g_assert_true (g_file_set_contents (text, "MZ not an elf file at all", -1, NULL));
  g_assert_null (ktstr_vmlinux_open (text, &error));
  g_assert_error (error, KTSTR_VMLINUX_ERROR, KTSTR_VMLINUX_ERROR_NOT_ELF);
  g_assert_nonnull (strstr (error->message, "bzImage has no symbols"));
  g_clear_error (&error);

  /* An ELF without a symbol table (a stripped image): this test program's
   * own headers with the section table cut off would do, but the simplest
   * honest input is a 64-byte x86-64 ELF header with no sections. */
  guint8 ehdr[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
  ehdr[18] = 62; /* EM_X86_64 */
  g_autofree char *elf = g_build_filename (dir, "vmlinux", NULL);
  g_assert_true (g_file_set_contents (elf, (const char *)ehdr, sizeof ehdr, NULL));
  g_assert_null (ktstr_vmlinux_open (elf, &error));
  g_assert_error (error, KTSTR_VMLINUX_ERROR, KTSTR_VMLINUX_ERROR_NOT_ELF);
  g_clear_error (&error);
  ktstr_rm_rf (dir, NULL);
}

static void
test_vmlinux_find (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-vmlfind-XXXXXX", NULL);
  g_autofree char *bz = g_build_filename (dir, "bzImage", NULL);
  g_autofree char *vml = g_build_filename (dir, "vmlinux", NULL);
  g_assert_true (g_file_set_contents (bz, "not an elf", -1, NULL));
  g_unsetenv ("KTSTR_VMLINUX");
  g_autoptr (GError) error = NULL;
  g_assert_null (ktstr_vmlinux_find (NULL, bz, NULL, &error));
  g_assert_error (error, KTSTR_VMLINUX_ERROR, KTSTR_VMLINUX_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, vml));
  g_assert_nonnull (strstr (error->message, "--vmlinux"));
  /* Beside the image (a cache entry, or a directory of both). */
  g_assert_true (g_file_set_contents (vml, "\177ELF", -1, NULL));
  g_autofree char *found = ktstr_vmlinux_find (NULL, bz, NULL, NULL);
  g_assert_cmpstr (found, ==, vml);
  /* The image itself when it is a vmlinux. */
  g_autofree char *self = ktstr_vmlinux_find (NULL, vml, NULL, NULL);
  g_assert_cmpstr (self, ==, vml);
  /* The build tree's before the image's directory. */
  g_autofree char *tree = g_build_filename (dir, "tree", NULL);
  g_mkdir (tree, 0755);
  g_autofree char *tree_vml = g_build_filename (tree, "vmlinux", NULL);
  g_assert_true (g_file_set_contents (tree_vml, "\177ELF", -1, NULL));
  g_autofree char *from_tree = ktstr_vmlinux_find (NULL, bz, tree, NULL);
  g_assert_cmpstr (from_tree, ==, tree_vml);
  /* Explicit, then the environment, win. */
  g_autofree char *given = ktstr_vmlinux_find ("/x/vmlinux", bz, tree, NULL);
  g_assert_cmpstr (given, ==, "/x/vmlinux");
  g_setenv ("KTSTR_VMLINUX", "/y/vmlinux", TRUE);
  g_autofree char *env = ktstr_vmlinux_find (NULL, bz, tree, NULL);
  g_assert_cmpstr (env, ==, "/y/vmlinux");
  g_unsetenv ("KTSTR_VMLINUX");
  ktstr_rm_rf (dir, NULL);
}

static void
test_config_hz (void)
{
  g_assert_cmpuint (ktstr_kernel_config_text_hz ("# CONFIG_HZ_1000 is not set\nCONFIG_HZ_250=y\n"
                                                 "CONFIG_HZ=250\n"),
                    ==, 250);
  g_assert_cmpuint (ktstr_kernel_config_text_hz ("CONFIG_HZ_PERIODIC=y\n"), ==, 0);
  g_assert_cmpuint (ktstr_kernel_config_text_hz ("CONFIG_HZ=x\n"), ==, 0);

  g_autofree char *dir = g_dir_make_tmp ("ktstr-hz-XXXXXX", NULL);
  g_autofree char *image = g_build_filename (dir, "vmlinuz-6.1.0-x", NULL);
  g_autofree char *boot_config = g_build_filename (dir, "config-6.1.0-x", NULL);
  g_assert_cmpuint (ktstr_kernel_image_hz (image, NULL), ==, 0);
  g_assert_true (g_file_set_contents (boot_config, "CONFIG_HZ=300\n", -1, NULL));
  g_assert_cmpuint (ktstr_kernel_image_hz (image, NULL), ==, 300);
  g_autofree char *entry_config = g_build_filename (dir, "config", NULL);
  g_assert_true (g_file_set_contents (entry_config, "CONFIG_HZ=100\n", -1, NULL));
  g_assert_cmpuint (ktstr_kernel_image_hz (image, NULL), ==, 100);
  g_autofree char *tree_config = g_build_filename (dir, ".config", NULL);
  g_assert_true (g_file_set_contents (tree_config, "CONFIG_HZ=1000\n", -1, NULL));
  g_assert_cmpuint (ktstr_kernel_image_hz (image, dir), ==, 1000);
  ktstr_rm_rf (dir, NULL);
}

/* ---- BTF ---- */

static void
test_btf_fixture (void)
{
  const char *path = fixture_vmlinux ();
  if (path == NULL)
    return;
  g_autoptr (KtstrVmlinux) v = ktstr_vmlinux_open (path, NULL);
  gsize size;
  const guint8 *data = ktstr_vmlinux_section (v, ".BTF", &size);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrBtf) btf = ktstr_btf_new (data, size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ktstr_btf_n_types (btf), >, 10000);
  /* Expected values: clang's offsetof over the fixture's vmlinux.h. */
  static const struct
  {
    const char *type, *path;
    guint offset, size;
  } expect[] = {
    { "rq", "cpu", 3048, 4 },
    { "rq", "nr_running", 4, 4 },
    { "rq", "clock", 2864, 8 },
    { "rq", "scx.nr_running", 2400, 4 },
    { "rq", "scx.flags", 2404, 4 },
    { "rq", "scx.local_dsq.nr", 2312, 4 },
    { "rq", "rq_sched_info.run_delay", 3376, 8 },
    { "rq", "rq_sched_info.pcount", 3368, 8 },
    { "rq", "yld_count", 3408, 4 },
    { "rq", "ttwu_local", 3424, 4 },
    { "rq", "scx.runnable_list.next", 2360, 8 },
    { "task_struct", "scx.runnable_node.next", 792, 8 },
    { "task_struct", "scx.runnable_at", 808, 8 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (expect); i++)
    {
      guint off = 0, sz = 0;
      g_assert_true (ktstr_btf_member (btf, expect[i].type, expect[i].path, &off, &sz, &error));
      g_assert_no_error (error);
      if (off != expect[i].offset || sz != expect[i].size)
        g_error ("%s.%s: offset %u size %u, want %u %u", expect[i].type, expect[i].path, off, sz,
                 expect[i].offset, expect[i].size);
    }
  guint rq_size;
  g_assert_true (ktstr_btf_struct_size (btf, "rq", &rq_size, NULL));
  g_assert_cmpuint (rq_size, ==, 3648);
  gint64 val;
  g_assert_true (ktstr_btf_enum_value (btf, "scx_ops_enable_state", "SCX_OPS_ENABLED", &val, NULL));
  g_assert_cmpint (val, ==, 1);
  g_assert_true (
      ktstr_btf_enum_value (btf, "scx_ops_enable_state", "SCX_OPS_DISABLED", &val, NULL));
  g_assert_cmpint (val, ==, 3);

  guint off, sz;
  g_assert_false (ktstr_btf_member (btf, "no_such_struct", "x", &off, &sz, &error));
  g_assert_error (error, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (ktstr_btf_member (btf, "rq", "scx.no_such_member", &off, &sz, &error));
  g_assert_error (error, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no_such_member"));
  g_clear_error (&error);
  g_assert_false (ktstr_btf_member (btf, "rq", "nr_running.x", &off, &sz, &error));
  g_assert_error (error, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (ktstr_btf_enum_value (btf, "scx_ops_enable_state", "NOPE", &val, &error));
  g_assert_error (error, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_NOT_FOUND);
}

/* A tiny hand-assembled BTF: int (id 1), struct inner { int a; int b:3; }
 * (id 2), struct outer { int x; union { struct inner in; int y; }; }
 * (ids 3, 4), enum e { E1 = -2 } (id 5). */
static GByteArray *
tiny_btf (void)
{
  static const char strs[] = "\0int\0inner\0a\0b\0outer\0x\0in\0y\0e\0E1";
  /* name offsets */
  enum
  {
    S_INT = 1,
    S_INNER = 5,
    S_A = 11,
    S_B = 13,
    S_OUTER = 15,
    S_X = 21,
    S_IN = 23,
    S_Y = 26,
    S_E = 28,
    S_E1 = 30
  };
  guint32 types[] = {
    /* 1: int, 4 bytes */
    S_INT,
    1u << 24,
    4,
    0x01000020,
    /* 2: struct inner, 8 bytes, kind_flag (bitfield offsets), 2 members */
    S_INNER,
    (1u << 31) | (4u << 24) | 2,
    8,
    S_A,
    1,
    0,
    S_B,
    1,
    (3u << 24) | 32,
    /* 3: anonymous union, 8 bytes, 2 members */
    0,
    (5u << 24) | 2,
    8,
    S_IN,
    2,
    0,
    S_Y,
    1,
    0,
    /* 4: struct outer, 12 bytes, 2 members */
    S_OUTER,
    (4u << 24) | 2,
    12,
    S_X,
    1,
    0,
    0,
    3,
    32,
    /* 5: enum e, signed, 1 value */
    S_E,
    (6u << 24) | 1,
    4,
    S_E1,
    (guint32)-2,
  };
  struct
  {
    guint16 magic;
    guint8 version, flags;
    guint32 hdr_len, type_off, type_len, str_off, str_len;
  } h = { 0xeB9F, 1, 0, 24, 0, sizeof types, sizeof types, sizeof strs };
  GByteArray *b = g_byte_array_new ();
  g_byte_array_append (b, (guint8 *)&h, sizeof h);
  g_byte_array_append (b, (guint8 *)types, sizeof types);
  g_byte_array_append (b, (const guint8 *)strs, sizeof strs);
  return b;
}

static void
test_btf_tiny (void)
{
  g_autoptr (GByteArray) data = tiny_btf ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrBtf) btf = ktstr_btf_new (data->data, data->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ktstr_btf_n_types (btf), ==, 5);
  guint off, sz;
  g_assert_true (ktstr_btf_member (btf, "outer", "x", &off, &sz, NULL));
  g_assert_cmpuint (off, ==, 0);
  /* Through the anonymous union, as C would. */
  g_assert_true (ktstr_btf_member (btf, "outer", "y", &off, &sz, NULL));
  g_assert_cmpuint (off, ==, 4);
  g_assert_cmpuint (sz, ==, 4);
  g_assert_true (ktstr_btf_member (btf, "outer", "in.a", &off, &sz, NULL));
  g_assert_cmpuint (off, ==, 4);
  g_assert_true (ktstr_btf_member (btf, "outer", "in", &off, &sz, NULL));
  g_assert_cmpuint (sz, ==, 8);
  g_assert_false (ktstr_btf_member (btf, "outer", "in.b", &off, &sz, &error));
  g_assert_error (error, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_BITFIELD);
  g_clear_error (&error);
  gint64 v;
  g_assert_true (ktstr_btf_enum_value (btf, "e", "E1", &v, NULL));
  g_assert_cmpint (v, ==, -2);

  /* Damaged data: every cut is refused, none is read past. */
  for (guint cut = 0; cut < data->len; cut += 7)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (KtstrBtf) b = ktstr_btf_new (data->data, cut, &e);
      g_assert_null (b);
      g_assert_error (e, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_INVALID);
    }
  data->data[0] = 0;
  g_assert_null (ktstr_btf_new (data->data, data->len, &error));
  g_assert_error (error, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_INVALID);
}

/* ---- the layout ---- */

static void
test_layout_fixture (void)
{
  const char *path = fixture_vmlinux ();
  if (path == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelLayout) l = ktstr_kernel_layout_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (l->hz, ==, 1000);
  g_assert_cmphex (l->runqueues, ==, 0x2f680);
  g_assert_cmpuint (l->rq_local_dsq_nr.offset, ==, 2312);
  g_assert_true (l->rq_local_dsq_nr.is_known);
  g_assert_true (ktstr_kernel_layout_has_schedstat (l));
  g_assert_true (l->has_scx_state);
  g_assert_cmpint (l->scx_enabled_value, ==, 1);
  g_assert_true (l->has_watchdog);
  g_assert_true (l->task_scx_runnable_at.is_known);
  g_assert_cmpuint (l->banner_len, ==, KTSTR_LAYOUT_BANNER_LEN);
  g_assert_true (g_str_has_prefix ((const char *)l->banner, "Linux version 6.12.117"));
}

static void
test_layout_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (ktstr_kernel_layout_load ("/nonexistent/vmlinux", &error));
  g_assert_error (error, KTSTR_VMLINUX_ERROR, KTSTR_VMLINUX_ERROR_IO);
}

/* ---- guest memory and translation ---- */

#define PAGE 4096u

static void
pte (guint8 *ram, guint64 table, guint index, guint64 value)
{
  memcpy (ram + table + index * 8, &value, 8);
}

static void
test_guest_mem_regions (void)
{
  g_autofree guint8 *low = g_malloc0 (2 * PAGE);
  g_autofree guint8 *high = g_malloc0 (PAGE);
  g_autoptr (KtstrGuestMem) m = ktstr_guest_mem_new ();
  ktstr_guest_mem_add (m, 0, 2 * PAGE, low);
  ktstr_guest_mem_add (m, 0x100000000ull, PAGE, high);
  guint32 v = 0xdeadbeef, back = 0;
  g_assert_true (ktstr_guest_mem_write (m, 0x100000000ull + 8, &v, 4));
  g_assert_true (ktstr_guest_mem_read (m, 0x100000000ull + 8, &back, 4));
  g_assert_cmphex (back, ==, v);
  g_assert_cmphex (*(guint32 *)(high + 8), ==, v);
  /* The end of a region, a hole, a read across the end. */
  g_assert_true (ktstr_guest_mem_read (m, 2 * PAGE - 4, &back, 4));
  g_assert_false (ktstr_guest_mem_read (m, 2 * PAGE - 2, &back, 4));
  g_assert_false (ktstr_guest_mem_read (m, 0x80000000ull, &back, 4));
  g_assert_null (ktstr_guest_mem_ptr (m, 0x100000000ull + PAGE, 1));
}

static void
test_guest_mem_translate (void)
{
  /* 8 MiB of RAM: page tables at 1, 2, 3, 4 MiB... */
  const gsize size = 8u << 20;
  g_autofree guint8 *ram = g_malloc0 (size);
  g_autoptr (KtstrGuestMem) m = ktstr_guest_mem_new ();
  ktstr_guest_mem_add (m, 0, size, ram);
  KtstrKvaMap map
      = { .phys_base = 0, .page_offset = 0xffff888000000000ull, .top_pgt_pa = 0x100000 };
  guint64 pa;
  /* Kernel image and direct map: arithmetic. */
  g_assert_true (ktstr_guest_mem_kva_to_pa (m, &map, 0xffffffff81000010ull, &pa));
  g_assert_cmphex (pa, ==, 0x1000010);
  map.phys_base = 0x200000;
  g_assert_true (ktstr_guest_mem_kva_to_pa (m, &map, 0xffffffff81000010ull, &pa));
  g_assert_cmphex (pa, ==, 0x1200010);
  g_assert_true (ktstr_guest_mem_kva_to_pa (m, &map, 0xffff888000123456ull, &pa));
  g_assert_cmphex (pa, ==, 0x123456);

  /* vmalloc-style 4 KiB page: PGD 0x100000 -> PUD 0x101000 -> PMD
   * 0x102000 -> PT 0x103000 -> page 0x7ff000. */
  guint64 kva = 0xffffc90000000000ull + 0x5000 + 0x123;
  guint i4 = (kva >> 39) & 511, i3 = (kva >> 30) & 511, i2 = (kva >> 21) & 511,
        i1 = (kva >> 12) & 511;
  pte (ram, 0x100000, i4, 0x101000 | 3);
  pte (ram, 0x101000, i3, 0x102000 | 3);
  pte (ram, 0x102000, i2, 0x103000 | 3);
  pte (ram, 0x103000, i1, 0x7ff000 | 3);
  g_assert_true (ktstr_guest_mem_kva_to_pa (m, &map, kva, &pa));
  g_assert_cmphex (pa, ==, 0x7ff123);
  ram[0x7ff123] = 0x5a;
  guint64 val;
  g_assert_true (ktstr_guest_mem_read_uint (m, &map, kva, 1, &val));
  g_assert_cmpuint (val, ==, 0x5a);
  /* Not present. */
  pte (ram, 0x103000, i1, 0x7ff000);
  g_assert_false (ktstr_guest_mem_kva_to_pa (m, &map, kva, &pa));
  /* A 2 MiB page in the PMD. */
  pte (ram, 0x102000, i2, 0x600000 | 0x83);
  g_assert_true (ktstr_guest_mem_kva_to_pa (m, &map, kva, &pa));
  g_assert_cmphex (pa, ==, 0x600000 + 0x5123);
  /* A 1 GiB page in the PUD. */
  pte (ram, 0x101000, i3, 0x40000000ull | 0x83);
  g_assert_true (ktstr_guest_mem_kva_to_pa (m, &map, kva, &pa));
  g_assert_cmphex (pa, ==, 0x40005123);
  /* 5 levels: one more table on top. */
  map.is_5level = TRUE;
  map.page_offset = 0xff11000000000000ull; /* where 5-level kernels put the direct map */
  map.top_pgt_pa = 0x104000;
  guint64 kva5 = kva;
  pte (ram, 0x104000, (kva5 >> 48) & 511, 0x100000 | 3);
  g_assert_true (ktstr_guest_mem_kva_to_pa (m, &map, kva5, &pa));
  g_assert_cmphex (pa, ==, 0x40005123);
  g_assert_true (ktstr_guest_mem_kva_to_pa (m, &map, 0xff11000000000042ull, &pa));
  g_assert_cmphex (pa, ==, 0x42);
  /* A read across pages is translated page by page. */
  map.is_5level = FALSE;
  map.page_offset = 0xffff888000000000ull;
  map.top_pgt_pa = 0x100000;
  pte (ram, 0x101000, i3, 0x102000 | 3);
  pte (ram, 0x102000, i2, 0x103000 | 3);
  guint64 base = kva & ~0xfffull;
  pte (ram, 0x103000, i1, 0x300000 | 3);
  pte (ram, 0x103000, i1 + 1, 0x200000 | 3);
  ram[0x300fff] = 0x11;
  ram[0x200000] = 0x22;
  guint8 two[2];
  g_assert_true (ktstr_guest_mem_read_kva (m, &map, base + 0xfff, two, 2));
  g_assert_cmpuint (two[0], ==, 0x11);
  g_assert_cmpuint (two[1], ==, 0x22);
}

/* ---- the host sampler on a synthetic kernel ---- */

/* A kernel laid out by hand in 16 MiB of "guest RAM": image addresses
 * from __START_KERNEL_map, two runqueues in the direct map. */
typedef struct
{
  guint8 *ram;
  gsize size;
  KtstrGuestMem *mem;
  KtstrKernelLayout layout;
} FakeKernel;

#define FK_BANNER 0xffffffff80010000ull
#define FK_PAGE_OFFSET_VAR 0xffffffff80011000ull
#define FK_PER_CPU_OFFSET 0xffffffff80012000ull
#define FK_SCX_STATE 0xffffffff80013000ull
#define FK_RUNQUEUES 0x2000ull
#define FK_DIRECT 0xffff888000000000ull
#define FK_PCPU_AREA 0x400000ull /* PA of CPU 0's per-CPU area; CPU 1's is 1 MiB above */

static void
fk_put (FakeKernel *k, guint64 pa, guint64 v, guint size)
{
  memcpy (k->ram + pa, &v, size);
}

static void
fake_kernel_init (FakeKernel *k)
{
  memset (k, 0, sizeof *k);
  k->size = 16u << 20;
  k->ram = g_malloc0 (k->size);
  k->mem = ktstr_guest_mem_new ();
  ktstr_guest_mem_add (k->mem, 0, k->size, k->ram);
  KtstrKernelLayout *l = &k->layout;
  l->vmlinux_path = (char *)"fake-vmlinux";
  l->runqueues = FK_RUNQUEUES;
  l->per_cpu_offset = FK_PER_CPU_OFFSET;
  l->page_offset_base = FK_PAGE_OFFSET_VAR;
  l->init_top_pgt = 0xffffffff80100000ull;
  l->linux_banner = FK_BANNER;
  memcpy (l->banner, "Linux version 9.9.9-fake", 24);
  l->banner_len = 24;
  l->has_scx_state = TRUE;
  l->scx_enable_state = FK_SCX_STATE;
  l->scx_enabled_value = 1;
  l->rq_nr_running = (KtstrKField){ TRUE, 4, 4 };
  l->rq_clock = (KtstrKField){ TRUE, 16, 8 };
  l->rq_cpu = (KtstrKField){ TRUE, 24, 4 };
  l->rq_scx_nr_running = (KtstrKField){ TRUE, 28, 4 };
  l->rq_local_dsq_nr = (KtstrKField){ TRUE, 32, 4 };
  l->rq_scx_flags = (KtstrKField){ TRUE, 36, 4 };
  /* What the guest kernel would have written. */
  memcpy (k->ram + (FK_BANNER - KTSTR_START_KERNEL_MAP), l->banner, l->banner_len);
  fk_put (k, FK_PAGE_OFFSET_VAR - KTSTR_START_KERNEL_MAP, FK_DIRECT, 8);
  for (guint cpu = 0; cpu < 2; cpu++)
    {
      guint64 area = FK_PCPU_AREA + cpu * 0x100000ull;
      fk_put (k, FK_PER_CPU_OFFSET - KTSTR_START_KERNEL_MAP + 8 * cpu, FK_DIRECT + area, 8);
      guint64 rq = area + FK_RUNQUEUES;
      fk_put (k, rq + 4, 3 + cpu, 4);
      fk_put (k, rq + 16, 5000000000ull + cpu, 8);
      fk_put (k, rq + 24, cpu, 4);
      fk_put (k, rq + 28, 2 + cpu, 4);
      fk_put (k, rq + 32, 7 * cpu, 4);
      fk_put (k, rq + 36, 0x10, 4);
    }
  fk_put (k, FK_SCX_STATE - KTSTR_START_KERNEL_MAP, 1, 4);
}

static void
fake_kernel_clear (FakeKernel *k)
{
  ktstr_guest_mem_free (k->mem);
  g_free (k->ram);
}

static void
test_host_sampler (void)
{
  FakeKernel k;
  fake_kernel_init (&k);
  g_autoptr (KtstrHostSampler) s = ktstr_host_sampler_new (&k.layout, k.mem, 2, 0, NULL);
  KtstrMonitorSample sample;
  g_assert_false (ktstr_host_sampler_sample (s, &sample)); /* not attached */
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_host_sampler_attach (s, &error));
  g_assert_no_error (error);
  g_assert_cmphex (ktstr_host_sampler_rq (s, 1), ==,
                   FK_DIRECT + FK_PCPU_AREA + 0x100000 + FK_RUNQUEUES);
  g_assert_true (ktstr_host_sampler_sample (s, &sample));
  g_assert_cmpuint (sample.n_cpus, ==, 2);
  g_assert_true (sample.is_scx_enabled);
  g_assert_cmpint (sample.fields, ==, KTSTR_MONITOR_ALL_FIELDS);
  g_assert_cmpuint (sample.cpus[1].nr_running, ==, 4);
  g_assert_cmpuint (sample.cpus[1].rq_clock, ==, 5000000001ull);
  g_assert_cmpuint (sample.cpus[1].scx_nr_running, ==, 3);
  g_assert_cmpuint (sample.cpus[1].local_dsq_depth, ==, 7);
  g_assert_cmpuint (sample.cpus[0].scx_flags, ==, 0x10);
  g_assert_false (sample.cpus[0].has_schedstat); /* not in this layout */
  g_assert_false (sample.cpus[0].has_vcpu_time);
  ktstr_monitor_sample_clear (&sample);
  /* sched_ext disabled (SCX_OPS_DISABLED = 3). */
  fk_put (&k, FK_SCX_STATE - KTSTR_START_KERNEL_MAP, 3, 4);
  g_assert_true (ktstr_host_sampler_sample (s, &sample));
  g_assert_false (sample.is_scx_enabled);
  ktstr_monitor_sample_clear (&sample);
  fake_kernel_clear (&k);
}

static void
test_host_sampler_refuses_wrong_memory (void)
{
  struct
  {
    guint64 pa, value;
    guint size;
    const char *why;
  } cases[] = {
    { FK_BANNER - KTSTR_START_KERNEL_MAP, 0x58, 1, "linux_banner does not read back" },
    { FK_PAGE_OFFSET_VAR - KTSTR_START_KERNEL_MAP, 0, 8, "page_offset_base reads 0x0" },
    { FK_PCPU_AREA + 0x100000 + FK_RUNQUEUES + 24, 0, 4, "CPU 1's runqueue" },
    { FK_PER_CPU_OFFSET - KTSTR_START_KERNEL_MAP + 8, FK_DIRECT + 0x7fffffff, 8, "cannot be read" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FakeKernel k;
      fake_kernel_init (&k);
      fk_put (&k, cases[i].pa, cases[i].value, cases[i].size);
      g_autoptr (KtstrHostSampler) s = ktstr_host_sampler_new (&k.layout, k.mem, 2, 0, NULL);
      g_autoptr (GError) error = NULL;
      g_assert_false (ktstr_host_sampler_attach (s, &error));
      g_assert_error (error, KTSTR_MONITOR_ERROR, KTSTR_MONITOR_ERROR_GUEST_MEMORY);
      if (strstr (error->message, cases[i].why) == NULL)
        g_error ("case %zu: '%s' lacks '%s'", i, error->message, cases[i].why);
      fake_kernel_clear (&k);
    }
}

static void
test_thread_cpu_time (void)
{
  g_autofree char *root = g_dir_make_tmp ("ktstr-proc-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (root, "42", "task", "43", NULL);
  g_mkdir_with_parents (dir, 0755);
  g_autofree char *file = g_build_filename (dir, "schedstat", NULL);
  g_assert_true (g_file_set_contents (file, "123456789 42 7\n", -1, NULL));
  guint64 ns = 0;
  g_assert_true (ktstr_host_thread_cpu_ns (root, 42, 43, &ns));
  g_assert_cmpuint (ns, ==, 123456789);
  g_assert_false (ktstr_host_thread_cpu_ns (root, 42, 44, &ns));
  g_assert_true (g_file_set_contents (file, "garbage\n", -1, NULL));
  g_assert_false (ktstr_host_thread_cpu_ns (root, 42, 43, &ns));
  /* This very thread, from the real /proc. */
  g_assert_true (ktstr_host_thread_cpu_ns ("/proc", getpid (), getpid (), &ns));
  ktstr_rm_rf (root, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/monitor/vmlinux/symbols", test_vmlinux_symbols);
  g_test_add_func ("/monitor/vmlinux/errors", test_vmlinux_errors);
  g_test_add_func ("/monitor/vmlinux/find", test_vmlinux_find);
  g_test_add_func ("/monitor/vmlinux/config-hz", test_config_hz);
  g_test_add_func ("/monitor/btf/fixture", test_btf_fixture);
  g_test_add_func ("/monitor/btf/tiny", test_btf_tiny);
  g_test_add_func ("/monitor/layout/fixture", test_layout_fixture);
  g_test_add_func ("/monitor/layout/errors", test_layout_errors);
  g_test_add_func ("/monitor/guest-mem/regions", test_guest_mem_regions);
  g_test_add_func ("/monitor/guest-mem/translate", test_guest_mem_translate);
  g_test_add_func ("/monitor/host-sampler/fake-kernel", test_host_sampler);
  g_test_add_func ("/monitor/host-sampler/wrong-memory", test_host_sampler_refuses_wrong_memory);
  g_test_add_func ("/monitor/host-sampler/thread-cpu-time", test_thread_cpu_time);
  int rc = g_test_run ();
  if (vmlinux_dir != NULL)
    ktstr_rm_rf (vmlinux_dir, NULL);
  return rc;
}
