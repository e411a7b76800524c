/* BPF map definitions of the Skiff load balancer. Every map is pinned by name
 * under the loader's pin root, so a restarted proxy (and netctl) reuse them.
 * Sizes here are defaults; the loader overrides max_entries before load. */
#pragma once

#include "skiff_maps.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SKIFF_DEFAULT_MAX_FRONTENDS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct skiff_svc4_key);
  __type(value, struct skiff_svc_value);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_svc4_v1 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SKIFF_DEFAULT_MAX_FRONTENDS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct skiff_svc6_key);
  __type(value, struct skiff_svc_value);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_svc6_v1 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SKIFF_DEFAULT_MAX_BACKENDS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, __u32);
  __type(value, struct skiff_backend);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_be_v1 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SKIFF_DEFAULT_MAX_BACKENDS * 4);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct skiff_member_key);
  __type(value, struct skiff_member_value);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_member_v1 SEC(".maps");

/* Inner template: one pool of Maglev tables, two backend ids per element
 * (the loader sets the real size). */
struct skiff_maglev_inner {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, (SKIFF_DEFAULT_MAGLEV_SIZE + 1) / 2);
  __uint(map_flags, BPF_F_MMAPABLE);
  __type(key, __u32);
  __type(value, __u64);
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, SKIFF_DEFAULT_MAX_SETS);
  __type(key, __u32);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
  __array(values, struct skiff_maglev_inner);
} skiff_maglev_v1 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, SKIFF_DEFAULT_CT_ENTRIES);
  __type(key, struct skiff_ct4_key);
  __type(value, struct skiff_ct_value);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_ct4_v1 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, SKIFF_DEFAULT_CT_ENTRIES);
  __type(key, struct skiff_ct6_key);
  __type(value, struct skiff_ct_value);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_ct6_v1 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 131072);
  __type(key, struct skiff_aff_key);
  __type(value, struct skiff_aff_value);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_aff_v1 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 262144);
  __type(key, struct skiff_sknat_key);
  __type(value, struct skiff_sknat_value);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_sknat_v1 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, struct skiff_nodeip_key);
  __type(value, __u32);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_nodeip_v1 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SKIFF_DEFAULT_MAX_SERVICES);
  __type(key, __u32);
  __type(value, struct skiff_stats);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_svcst_v1 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SKIFF_DEFAULT_MAX_BACKENDS);
  __type(key, __u32);
  __type(value, struct skiff_stats);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_best_v1 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SKIFF_DEFAULT_MAX_SERVICES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, __u32);
  __type(value, struct skiff_svc_info);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_svcinfo_v1 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct skiff_config);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_cfg_v1 SEC(".maps");
