/* A minimal bzImage wrapper for the tiny test guest.
 *
 * The kvm backend's loader sees a normal bzImage: a setup header at 0x1f1
 * (boot protocol 2.15, XLF_KERNEL_64, one setup sector), then the
 * "protected-mode kernel" at file offset 0x400, loaded at 1 MiB.  Its
 * 64-bit entry, startup_64 at load address + 0x200, sets up a stack and
 * calls tiny_main (boot_params) in tiny.c.  So every tiny guest also goes
 * through the real bzImage parser, zero page, page tables and long-mode
 * entry. */

	.section .setup, "a"
	.code16
	.org 0x1f1
setup_sects:	.byte 1
root_flags:	.word 0
syssize:	.long tiny_payload_paras
ram_size:	.word 0
vid_mode:	.word 0xffff
root_dev:	.word 0
boot_flag:	.word 0xaa55
jump:		.byte 0xeb, header_end - jump - 2
hdr_magic:	.ascii "HdrS"
version:	.word 0x020f
realmode_swtch:	.long 0
start_sys_seg:	.word 0
kernel_version:	.word 0
type_of_loader:	.byte 0
loadflags:	.byte 1			/* LOADED_HIGH */
setup_move_size: .word 0
code32_start:	.long 0x100000
ramdisk_image:	.long 0
ramdisk_size:	.long 0
bootsect_kludge: .long 0
heap_end_ptr:	.word 0
ext_loader_ver:	.byte 0
ext_loader_type: .byte 0
cmd_line_ptr:	.long 0
initrd_addr_max: .long 0x7fffffff
kernel_alignment: .long 0x200000
relocatable:	.byte 0
min_alignment:	.byte 21
xloadflags:	.word 1			/* XLF_KERNEL_64 */
cmdline_size:	.long 2047
hardware_subarch: .long 0
hardware_subarch_data: .quad 0
payload_offset:	.long 0
payload_length:	.long 0
setup_data:	.quad 0
pref_address:	.quad 0x100000
init_size:	.long tiny_init_size
handover_offset: .long 0
kernel_info_offset: .long 0
header_end:
	.org 0x400

	.section .entry32, "ax"
	.code32
	/* The 32-bit entry is never used by the kvm backend. */
1:	hlt
	jmp 1b

	.section .entry64, "ax"
	.code64
	.globl startup_64
startup_64:
	cli
	lea tiny_stack_top(%rip), %rsp
	mov %rsi, %rdi			/* boot_params */
	call tiny_main
2:	hlt
	jmp 2b

	.section .bss
	.balign 16
	.space 16384
tiny_stack_top:

	/* Real-mode code a secondary CPU runs after INIT-SIPI-SIPI (copied
	 * to 0x8000 by tiny.c, so SIPI vector 0x08): it raises a flag next to
	 * itself and halts with interrupts off until the host stops it. */
	.section .rodata
	.code16
	.globl tiny_ap_start, tiny_ap_flag, tiny_ap_end
tiny_ap_start:
	cli
	movw %cs, %ax
	movw %ax, %ds
	movb $1, tiny_ap_flag - tiny_ap_start
1:	hlt
	jmp 1b
tiny_ap_flag:
	.byte 0
tiny_ap_end:
	.code64
