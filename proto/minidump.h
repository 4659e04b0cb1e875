/* SPDX-License-Identifier: MIT */
/* proto/minidump.h: the Microsoft minidump (MDMP) layout as Breakpad writes it
 * for Linux x86-64. Written from the published format description; every
 * struct is the on-disk layout (little-endian, 4-byte packing) and its size is
 * checked at compile time, so a reader can trust sizeof() and nothing else. */
#pragma once

#include <assert.h>
#include <stdint.h>

#define MD_SIGNATURE            UINT32_C(0x504d444d) /* "MDMP" */
#define MD_VERSION              UINT32_C(0x0000a793)

/* Stream types (the directory's stream_type). */
enum {
        MD_STREAM_UNUSED                = 0,
        MD_STREAM_THREAD_LIST           = 3,
        MD_STREAM_MODULE_LIST           = 4,
        MD_STREAM_MEMORY_LIST           = 5,
        MD_STREAM_EXCEPTION             = 6,
        MD_STREAM_SYSTEM_INFO           = 7,
        MD_STREAM_MISC_INFO             = 15,
        MD_STREAM_MEMORY_INFO_LIST      = 16,
        MD_STREAM_THREAD_NAME_LIST      = 24,
        /* Breakpad's Linux streams: raw /proc text unless said otherwise. */
        MD_STREAM_LINUX_CPU_INFO        = 0x47670003,
        MD_STREAM_LINUX_PROC_STATUS     = 0x47670004,
        MD_STREAM_LINUX_LSB_RELEASE     = 0x47670005,
        MD_STREAM_LINUX_CMD_LINE        = 0x47670006,
        MD_STREAM_LINUX_ENVIRON         = 0x47670007,
        MD_STREAM_LINUX_AUXV            = 0x47670008,
        MD_STREAM_LINUX_MAPS            = 0x47670009,
        MD_STREAM_LINUX_DSO_DEBUG       = 0x4767000A, /* md_raw_debug + link maps */
};

#pragma pack(push, 4)

struct md_location {
        uint32_t data_size;
        uint32_t rva;           /* offset from the start of the file */
};

struct md_header {
        uint32_t signature;     /* MD_SIGNATURE */
        uint32_t version;       /* low 16 bits: MD_VERSION */
        uint32_t stream_count;
        uint32_t stream_directory_rva;
        uint32_t checksum;
        uint32_t time_date_stamp;       /* seconds since the epoch */
        uint64_t flags;
};
static_assert(sizeof(struct md_header) == 32, "on-disk ABI");

struct md_directory {
        uint32_t stream_type;
        struct md_location location;
};
static_assert(sizeof(struct md_directory) == 12, "on-disk ABI");

struct md_memory_descriptor {
        uint64_t start_of_memory_range;
        struct md_location memory;
};
static_assert(sizeof(struct md_memory_descriptor) == 16, "on-disk ABI");

/* MD_STREAM_MEMORY_LIST: uint32_t count, then count descriptors. */

struct md_thread {
        uint32_t thread_id;
        uint32_t suspend_count;
        uint32_t priority_class;
        uint32_t priority;
        uint64_t teb;           /* Breakpad: pthread self / fs_base */
        struct md_memory_descriptor stack;
        struct md_location thread_context;      /* a md_context_amd64 */
};
static_assert(sizeof(struct md_thread) == 48, "on-disk ABI");

/* MD_STREAM_THREAD_LIST: uint32_t count, then count md_thread. */

#define MD_CONTEXT_AMD64                UINT32_C(0x00100000)
#define MD_CONTEXT_AMD64_CONTROL        (MD_CONTEXT_AMD64 | 0x01) /* ss cs rip rsp eflags */
#define MD_CONTEXT_AMD64_INTEGER        (MD_CONTEXT_AMD64 | 0x02) /* the other GPRs */
#define MD_CONTEXT_AMD64_SEGMENTS       (MD_CONTEXT_AMD64 | 0x04)
#define MD_CONTEXT_AMD64_FLOATING_POINT (MD_CONTEXT_AMD64 | 0x08) /* fxsave area */
#define MD_CONTEXT_AMD64_DEBUG_REGISTERS (MD_CONTEXT_AMD64 | 0x10)
#define MD_CONTEXT_AMD64_FULL (MD_CONTEXT_AMD64_CONTROL | MD_CONTEXT_AMD64_INTEGER | \
                               MD_CONTEXT_AMD64_FLOATING_POINT)

struct md_uint128 {
        uint64_t low, high;
};

/* The FXSAVE image (512 bytes), as the CPU and the kernel lay it out. */
struct md_fxsave {
        uint16_t control_word;
        uint16_t status_word;
        uint8_t tag_word;
        uint8_t reserved1;
        uint16_t error_opcode;
        uint32_t error_offset;
        uint16_t error_selector;
        uint16_t reserved2;
        uint32_t data_offset;
        uint16_t data_selector;
        uint16_t reserved3;
        uint32_t mx_csr;
        uint32_t mx_csr_mask;
        struct md_uint128 float_registers[8];   /* st0..st7 / mm0..mm7 */
        struct md_uint128 xmm_registers[16];
        uint8_t reserved4[96];
};
static_assert(sizeof(struct md_fxsave) == 512, "on-disk ABI");

struct md_context_amd64 {
        uint64_t p1_home, p2_home, p3_home, p4_home, p5_home, p6_home;
        uint32_t context_flags;
        uint32_t mx_csr;
        uint16_t cs, ds, es, fs, gs, ss;
        uint32_t eflags;
        uint64_t dr0, dr1, dr2, dr3, dr6, dr7;
        uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
        uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
        uint64_t rip;
        struct md_fxsave flt_save;
        struct md_uint128 vector_register[26];
        uint64_t vector_control;
        uint64_t debug_control;
        uint64_t last_branch_to_rip, last_branch_from_rip;
        uint64_t last_exception_to_rip, last_exception_from_rip;
};
static_assert(sizeof(struct md_context_amd64) == 1232, "on-disk ABI");

struct md_vs_fixed_file_info {
        uint32_t signature, struct_version, file_version_hi, file_version_lo;
        uint32_t product_version_hi, product_version_lo, file_flags_mask;
        uint32_t file_flags, file_os, file_type, file_subtype;
        uint32_t file_date_hi, file_date_lo;
};
static_assert(sizeof(struct md_vs_fixed_file_info) == 52, "on-disk ABI");

struct md_module {
        uint64_t base_of_image;
        uint32_t size_of_image;
        uint32_t checksum;
        uint32_t time_date_stamp;
        uint32_t module_name_rva;       /* an md_string */
        struct md_vs_fixed_file_info version_info;
        struct md_location cv_record;   /* md_cv_info_elf */
        struct md_location misc_record;
        uint32_t reserved0[2];
        uint32_t reserved1[2];
};
static_assert(sizeof(struct md_module) == 108, "on-disk ABI");

/* MD_STREAM_MODULE_LIST: uint32_t count, then count md_module. */

/* An md_string: uint32_t length in bytes (without the terminator), UTF-16LE
 * code units, then a 16-bit 0. */

#define MD_CVINFOELF_SIGNATURE  UINT32_C(0x4270454c) /* "LEpB" on disk, 'BpEL' */
struct md_cv_info_elf {
        uint32_t cv_signature;
        uint8_t build_id[];     /* as many bytes as the location says */
};

/* Linux: exception_code is the signal number, exception_flags the si_code,
 * exception_address the si_addr. A dump taken on request has this code: */
#define MD_EXCEPTION_CODE_LIN_DUMP_REQUESTED UINT32_C(0xffffffff)

struct md_exception {
        uint32_t exception_code;
        uint32_t exception_flags;
        uint64_t exception_record;
        uint64_t exception_address;
        uint32_t number_parameters;
        uint32_t align;
        uint64_t exception_information[15];
};

struct md_exception_stream {
        uint32_t thread_id;
        uint32_t align;
        struct md_exception exception_record;
        struct md_location thread_context;
};
static_assert(sizeof(struct md_exception_stream) == 168, "on-disk ABI");

#define MD_CPU_ARCHITECTURE_AMD64       9
#define MD_OS_LINUX                     0x8201

struct md_system_info {
        uint16_t processor_architecture;
        uint16_t processor_level;
        uint16_t processor_revision;
        uint8_t number_of_processors;
        uint8_t product_type;
        uint32_t major_version, minor_version, build_number;
        uint32_t platform_id;
        uint32_t csd_version_rva;       /* md_string: the full uname */
        uint16_t suite_mask;
        uint16_t reserved2;
        struct {
                uint32_t vendor_id[3];
                uint32_t version_information;
                uint32_t feature_information;
                uint32_t amd_extended_cpu_features;
        } cpu;
};
static_assert(sizeof(struct md_system_info) == 56, "on-disk ABI");

/* MD_STREAM_LINUX_DSO_DEBUG: an md_raw_debug, then dso_count md_raw_link_map
 * at `map`. Values are addresses in the crashed process. */
struct md_raw_link_map {
        uint64_t addr;          /* l_addr: the load bias */
        uint32_t name;          /* rva of an md_string */
        uint64_t ld;            /* l_ld: its dynamic section */
};
static_assert(sizeof(struct md_raw_link_map) == 20, "on-disk ABI");

struct md_raw_debug {
        uint32_t version;       /* r_version */
        uint32_t map;           /* rva of the md_raw_link_map array */
        uint32_t dso_count;
        uint64_t brk;           /* r_brk */
        uint64_t ldbase;        /* r_ldbase */
        uint64_t dynamic;       /* the executable's _DYNAMIC */
};
static_assert(sizeof(struct md_raw_debug) == 36, "on-disk ABI");

#pragma pack(pop)
