/* The configuration the XSK redirect program reads from its `config` array
 * map (one entry, key 0). Shared by the BPF program (C) and the loader
 * (C++): plain fixed-size fields only. Addresses and the port are in network
 * byte order, exactly as they appear in packets. */
#ifndef STRAIT_XDP_FILTER_CONFIG_H
#define STRAIT_XDP_FILTER_CONFIG_H

#define STRAIT_XDP_MAX_ADDRESSES 4
#define STRAIT_XDP_MAX_QUEUES 64

/* mode values */
#define STRAIT_XDP_OWN_TRAFFIC                                                    \
  0                               /* public side: only the gateway's traffic (the \
                                   * default: with no address, nothing) */
#define STRAIT_XDP_REDIRECT_ALL 1 /* private side: every frame to the socket */

struct strait_xdp_filter_config {
  unsigned int mode;
  unsigned short udp_port;     /* network byte order; 0: no UDP */
  unsigned short nat_udp_port; /* network byte order; 0: none (NAT traversal's ESP in UDP) */
  unsigned char ipv4_count;
  unsigned char ipv6_count;
  unsigned int ipv4[STRAIT_XDP_MAX_ADDRESSES];
  unsigned char ipv6[STRAIT_XDP_MAX_ADDRESSES][16];
};

#endif
