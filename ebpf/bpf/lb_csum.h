/* Incremental Internet checksum update (RFC 1624), shared by the XDP
 * rewrite and the TC rewrite of the IPv4 header checksum. */
#pragma once

/* check := ~(~check + sum(~old) + sum(new)) over n 16-bit words. */
static __always_inline void csum_replace_words(__u16* check, const __u16* old, const __u16* new_,
                                               int n) {
  __u32 s = (__u16) ~*check;
#pragma unroll
  for (int i = 0; i < 8; i++) {
    if (i >= n) break;
    s += (__u16)~old[i];
    s += new_[i];
  }
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  *check = (__u16)~s;
}
