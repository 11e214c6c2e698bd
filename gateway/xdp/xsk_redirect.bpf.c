/* The XDP program of the AF_XDP backend: hands frames to the AF_XDP socket
 * bound to the receive queue (xsks map, key = rx queue index).
 *
 * Private side (STRAIT_XDP_REDIRECT_ALL): every frame goes to the socket.
 * Public side (STRAIT_XDP_OWN_TRAFFIC): only the gateway's own traffic does,
 * so that an interface shared with the host (SSH, ...) keeps working:
 *   - IPv4 / IPv6 to one of the configured addresses carrying ESP, UDP to the
 *     configured port (first fragment or unfragmented), ICMP or ICMPv6;
 *   - ICMPv6 neighbour solicitations whose target is one of the addresses
 *     (they are sent to a solicited-node multicast address);
 *   - ARP whose target protocol address is one of the IPv4 addresses
 *     (requests for the gateway, replies to its own requests).
 * Everything else, and any frame when no socket is bound to the queue, is
 * XDP_PASS (the kernel). Compiled with clang -target bpf at build time and
 * embedded in strait_xdp. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "filter_config.h"

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, STRAIT_XDP_MAX_QUEUES);
  __type(key, __u32);
  __type(value, __u32);
} xsks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct strait_xdp_filter_config);
} config SEC(".maps");

#define ETH_HLEN_ 14
#define ETH_P_ARP_ 0x0806
#define IPPROTO_ESP_ 50
#define IPPROTO_ICMPV6_ 58
#define ND_NEIGHBOR_SOLICIT 135

static __always_inline int own_ipv4(const struct strait_xdp_filter_config* c, __u32 a) {
#pragma unroll
  for (int i = 0; i < STRAIT_XDP_MAX_ADDRESSES; i++)
    if (i < c->ipv4_count && c->ipv4[i] == a) return 1;
  return 0;
}

static __always_inline int same16(const unsigned char* a, const unsigned char* b) {
  const __u32* x = (const __u32*)a;
  const __u32* y = (const __u32*)b;
  return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

/* `a` points into the packet; the caller checked 16 bytes are there. */
static __always_inline int own_ipv6(const struct strait_xdp_filter_config* c,
                                    const unsigned char* a) {
  unsigned char copy[16];
  __builtin_memcpy(copy, a, 16);
#pragma unroll
  for (int i = 0; i < STRAIT_XDP_MAX_ADDRESSES; i++)
    if (i < c->ipv6_count && same16(c->ipv6[i], copy)) return 1;
  return 0;
}

static __always_inline int own_traffic(struct xdp_md* ctx,
                                       const struct strait_xdp_filter_config* c) {
  unsigned char* data = (unsigned char*)(long)ctx->data;
  unsigned char* end = (unsigned char*)(long)ctx->data_end;
  if (data + ETH_HLEN_ > end) return 0;
  const __u16 type = bpf_ntohs(*(__u16*)(data + 12));
  unsigned char* l3 = data + ETH_HLEN_;

  if (type == ETH_P_ARP_) {
    /* Ethernet/IPv4 ARP: target protocol address at offset 24. */
    if (l3 + 28 > end) return 0;
    __u32 target;
    __builtin_memcpy(&target, l3 + 24, 4);
    return own_ipv4(c, target);
  }

  if (type == ETH_P_IP) {
    if (l3 + 20 > end) return 0;
    const unsigned int ihl = (l3[0] & 0x0f) * 4;
    if (ihl < 20) return 0;
    __u32 dst;
    __builtin_memcpy(&dst, l3 + 16, 4);
    if (!own_ipv4(c, dst)) return 0;
    const unsigned char proto = l3[9];
    if (proto == IPPROTO_ESP_ || proto == IPPROTO_ICMP) return 1;
    if (proto != IPPROTO_UDP || (c->udp_port == 0 && c->nat_udp_port == 0)) return 0;
    const __u16 fragment = bpf_ntohs(*(__u16*)(l3 + 6)) & 0x1fff;
    if (fragment != 0) return 0;
    unsigned char* l4 = l3 + ihl;
    if (l4 + 8 > end) return 0;
    const __u16 port = *(__u16*)(l4 + 2);
    return (c->udp_port != 0 && port == c->udp_port) ||
           (c->nat_udp_port != 0 && port == c->nat_udp_port);
  }

  if (type == ETH_P_IPV6) {
    if (l3 + 40 > end) return 0;
    const unsigned char next = l3[6];
    unsigned char* l4 = l3 + 40;
    if (next == IPPROTO_ICMPV6_) {
      if (own_ipv6(c, l3 + 24)) return 1;
      /* Neighbour solicitation for one of our addresses (to the
       * solicited-node multicast address). */
      if (l4 + 24 > end) return 0;
      return l4[0] == ND_NEIGHBOR_SOLICIT && l3[24] == 0xff && own_ipv6(c, l4 + 8);
    }
    if (!own_ipv6(c, l3 + 24)) return 0;
    if (next == IPPROTO_ESP_) return 1;
    if (next != IPPROTO_UDP || (c->udp_port == 0 && c->nat_udp_port == 0)) return 0;
    if (l4 + 8 > end) return 0;
    const __u16 port = *(__u16*)(l4 + 2);
    return (c->udp_port != 0 && port == c->udp_port) ||
           (c->nat_udp_port != 0 && port == c->nat_udp_port);
  }
  return 0;
}

SEC("xdp")
int strait_xsk(struct xdp_md* ctx) {
  const __u32 key = 0;
  const struct strait_xdp_filter_config* c = bpf_map_lookup_elem(&config, &key);
  if (!c) return XDP_PASS;
  if (c->mode == STRAIT_XDP_OWN_TRAFFIC && !own_traffic(ctx, c)) return XDP_PASS;
  /* Lower bits of flags: the action when no socket is bound to the queue. */
  return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
