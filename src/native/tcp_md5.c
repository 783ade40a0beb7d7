/*
 * tsbgpd_md5: the few socket calls Node's net module cannot make, as a plain-C N-API addon.
 *
 * RFC 2385 (TCP MD5 signature option) through Linux's TCP_MD5SIG / TCP_MD5SIG_EXT socket options,
 * plus RFC 5082 (GTSM: IP_MINTTL / IPV6_MINHOPCOUNT) and the outgoing TTL for eBGP multihop
 * (IP_TTL / IPV6_UNICAST_HOPS), so the transport can create, key, bind and tune a socket before Node
 * ever sees it and no SYN leaves, or is accepted, unsigned.
 *
 * Departures and limits:
 * - Linux only. On other systems this file compiles to a stub that says so: OpenBSD and FreeBSD keep
 *   the keys in the kernel's SADB (PF_KEY), where the socket option only turns signing on.
 * - Scoped (link-local) peer addresses are refused rather than keyed by interface.
 * - Key bytes are never copied into an error message; the copy in the kernel request is wiped.
 *
 * Every function takes and returns plain numbers and strings; the TypeScript wrapper
 * (src/session/md5.ts) owns policy (which keys, when to bind, how long to wait).
 */

#define NAPI_VERSION 8
#include <node_api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __linux__

#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

/* Only glibc's <netinet/tcp.h> is included (it clashes with <linux/tcp.h>); older C libraries lack
 * some of these, and their struct tcp_md5sig names the ifindex field differently, so the kernel's
 * layout is declared here once and checked by size. */
#ifndef TCP_MD5SIG
#define TCP_MD5SIG 14
#endif
#ifndef TCP_MD5SIG_EXT
#define TCP_MD5SIG_EXT 32
#endif
#ifndef IP_MINTTL
#define IP_MINTTL 21
#endif
#ifndef IPV6_MINHOPCOUNT
#define IPV6_MINHOPCOUNT 73
#endif
#define MD5_MAXKEYLEN 80
#define MD5_FLAG_PREFIX 0x1

struct md5sig_req {
  struct sockaddr_storage addr;
  uint8_t flags;
  uint8_t prefixlen;
  uint16_t keylen;
  int32_t ifindex;
  uint8_t key[MD5_MAXKEYLEN];
};
_Static_assert(sizeof(struct md5sig_req) == 216, "struct tcp_md5sig is 216 bytes in the kernel ABI");

/* Errno names for the `code` property, as Node's own errors carry them. */
static const char *errno_name(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EBADF: return "EBADF";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENOBUFS: return "ENOBUFS";
    case EISCONN: return "EISCONN";
    case ENOTCONN: return "ENOTCONN";
    case ENODEV: return "ENODEV";
    default: return "EUNKNOWN";
  }
}

/* Throws Error(`${what}: ${strerror}`) with code, errno and syscall set. `what` names the operation
 * and at most a peer address: callers never pass key material here. */
static void throw_errno(napi_env env, int err, const char *syscall, const char *what) {
  char msg[256];
  napi_value code, message, error, num, sys;
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  if (napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code) != napi_ok) return;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message) != napi_ok) return;
  if (napi_create_error(env, code, message, &error) != napi_ok) return;
  if (napi_create_int32(env, err, &num) == napi_ok) napi_set_named_property(env, error, "errno", num);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys) == napi_ok)
    napi_set_named_property(env, error, "syscall", sys);
  napi_throw(env, error);
}

static void throw_arg(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", msg);
}

/* Reads argv[i] as an integer in [lo, hi]; throws and returns 0 otherwise. */
static int get_int(napi_env env, napi_value v, int lo, int hi, const char *name, int *out) {
  char msg[128];
  double d;
  /* Range first: it also rejects NaN, which the integer cast below must never see. */
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= lo && d <= hi) || d != (double)(int)d) {
    snprintf(msg, sizeof msg, "%s must be an integer in [%d, %d]", name, lo, hi);
    throw_arg(env, msg);
    return 0;
  }
  *out = (int)d;
  return 1;
}

static int get_bool(napi_env env, napi_value v, int *out) {
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) {
    throw_arg(env, "expected a boolean");
    return 0;
  }
  *out = b ? 1 : 0;
  return 1;
}

static int socket_family(napi_env env, int fd, int *family) {
  socklen_t len = sizeof *family;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, family, &len) != 0) {
    throw_errno(env, errno, "getsockopt", "getsockopt(SO_DOMAIN)");
    return 0;
  }
  if (*family != AF_INET && *family != AF_INET6) {
    throw_errno(env, EAFNOSUPPORT, "getsockopt", "not an IPv4 or IPv6 socket");
    return 0;
  }
  return 1;
}

/* Parses an IP literal into a sockaddr of the socket's family: an IPv4 address on an AF_INET6
 * socket becomes ::ffff:a.b.c.d, because the kernel compares keys and binds within the socket's
 * own family. *mapped tells the caller an IPv4 prefix length still applies. */
static int parse_addr(napi_env env, napi_value v, int family, int port,
                      struct sockaddr_storage *ss, socklen_t *sslen, int *mapped, char *text,
                      size_t textlen) {
  size_t n;
  struct in_addr a4;
  struct in6_addr a6;
  memset(ss, 0, sizeof *ss);
  *mapped = 0;
  if (napi_get_value_string_utf8(env, v, text, textlen, &n) != napi_ok || n == 0 || n >= textlen - 1) {
    throw_arg(env, "address must be an IP address literal");
    return 0;
  }
  if (strchr(text, '%') != NULL) {
    throw_arg(env, "scoped (link-local) addresses are not supported");
    return 0;
  }
  if (inet_pton(AF_INET, text, &a4) == 1) {
    if (family == AF_INET) {
      struct sockaddr_in *sin = (struct sockaddr_in *)ss;
      sin->sin_family = AF_INET;
      sin->sin_port = htons((uint16_t)port);
      sin->sin_addr = a4;
      *sslen = sizeof *sin;
    } else {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons((uint16_t)port);
      sin6->sin6_addr.s6_addr[10] = 0xff;
      sin6->sin6_addr.s6_addr[11] = 0xff;
      memcpy(&sin6->sin6_addr.s6_addr[12], &a4, 4);
      *sslen = sizeof *sin6;
      *mapped = 1;
    }
    return 1;
  }
  if (inet_pton(AF_INET6, text, &a6) == 1) {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    if (family != AF_INET6) {
      throw_errno(env, EAFNOSUPPORT, "inet_pton", "IPv6 address on an IPv4 socket");
      return 0;
    }
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    sin6->sin6_addr = a6;
    *sslen = sizeof *sin6;
    return 1;
  }
  throw_arg(env, "address must be an IP address literal");
  return 0;
}

#define ARGS(n)                                                              \
  size_t argc = (n);                                                         \
  napi_value argv[(n) > 0 ? (n) : 1];                                        \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL; \
  if (argc < (n)) {                                                          \
    throw_arg(env, "too few arguments");                                     \
    return NULL;                                                             \
  }

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/* socket(family 4|6, v6only: -1 keep default | 0 | 1) -> fd, non-blocking and close-on-exec. */
static napi_value js_socket(napi_env env, napi_callback_info info) {
  int family, v6only, fd;
  napi_value out;
  ARGS(2);
  if (!get_int(env, argv[0], 4, 6, "family", &family)) return NULL;
  if (family == 5) {
    throw_arg(env, "family must be 4 or 6");
    return NULL;
  }
  if (!get_int(env, argv[1], -1, 1, "v6only", &v6only)) return NULL;
  fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_errno(env, errno, "socket", "socket()");
    return NULL;
  }
  if (family == 6 && v6only >= 0 &&
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0) {
    int err = errno;
    close(fd);
    throw_errno(env, err, "setsockopt", "setsockopt(IPV6_V6ONLY)");
    return NULL;
  }
  napi_create_int32(env, fd, &out);
  return out;
}

/* setKey(fd, address, prefixLen (-1 = this address only), key Buffer | null) -> boolean.
 * With a key: adds or replaces it and returns true. With null: deletes and returns whether a key
 * was there (ENOENT becomes false so a config reload can delete idempotently). */
static napi_value js_set_key(napi_env env, napi_callback_info info) {
  int fd, family, prefixlen, mapped, optname = TCP_MD5SIG, rc, err;
  char text[INET6_ADDRSTRLEN + 8], what[INET6_ADDRSTRLEN + 64];
  struct md5sig_req req;
  socklen_t sslen;
  napi_valuetype kt;
  napi_value out;
  void *keydata = NULL;
  size_t keylen = 0;
  ARGS(4);
  if (!get_int(env, argv[0], 0, 0x7fffffff, "fd", &fd)) return NULL;
  if (!get_int(env, argv[2], -1, 128, "prefixLen", &prefixlen)) return NULL;
  if (napi_typeof(env, argv[3], &kt) != napi_ok) return NULL;
  if (kt != napi_null && kt != napi_undefined) {
    bool isbuf = false;
    napi_is_buffer(env, argv[3], &isbuf);
    if (!isbuf || napi_get_buffer_info(env, argv[3], &keydata, &keylen) != napi_ok) {
      throw_arg(env, "key must be a Buffer or null");
      return NULL;
    }
    /* An empty key would mean "delete" to the kernel: refuse it rather than drop protection. */
    if (keylen < 1 || keylen > MD5_MAXKEYLEN) {
      throw_arg(env, "TCP-MD5 key must be 1 to 80 bytes long");
      return NULL;
    }
  }
  if (!socket_family(env, fd, &family)) return NULL;
  memset(&req, 0, sizeof req);
  if (!parse_addr(env, argv[1], family, 0, &req.addr, &sslen, &mapped, text, sizeof text)) return NULL;
  if (prefixlen >= 0) {
    int max = (family == AF_INET6 && !mapped) ? 128 : 32;
    if (prefixlen > max) {
      throw_arg(env, "prefix length too long for the address family");
      return NULL;
    }
    optname = TCP_MD5SIG_EXT;
    req.flags = MD5_FLAG_PREFIX;
    /* The kernel files a mapped address as an IPv4 key, so it wants the IPv4 length (<= 32). */
    req.prefixlen = (uint8_t)prefixlen;
  }
  req.keylen = (uint16_t)keylen;
  if (keylen > 0) memcpy(req.key, keydata, keylen);
  rc = setsockopt(fd, IPPROTO_TCP, optname, &req, sizeof req);
  err = errno;
  /* Not explicit_bzero (absent from older C libraries); the volatile pointer stops the wipe from
   * being optimised away as a dead store. */
  {
    volatile uint8_t *p = req.key;
    size_t i;
    for (i = 0; i < sizeof req.key; i++) p[i] = 0;
  }
  if (rc != 0) {
    if (keylen == 0 && err == ENOENT) {
      napi_get_boolean(env, false, &out);
      return out;
    }
    snprintf(what, sizeof what, "setsockopt(%s) %s key for %s",
             optname == TCP_MD5SIG ? "TCP_MD5SIG" : "TCP_MD5SIG_EXT",
             keylen == 0 ? "deleting" : "setting", text);
    throw_errno(env, err, "setsockopt", what);
    return NULL;
  }
  napi_get_boolean(env, true, &out);
  return out;
}

/* Sets an integer option at IPv4 level and, on AF_INET6 sockets, at IPv6 level too: an AF_INET6
 * socket carries IPv4-mapped traffic with the IPv4 settings. */
static napi_value set_ttl_pair(napi_env env, napi_callback_info info, const char *argname, int lo,
                               int v4opt, int v6opt, const char *v4name, const char *v6name) {
  int fd, family, value;
  ARGS(2);
  if (!get_int(env, argv[0], 0, 0x7fffffff, "fd", &fd)) return NULL;
  if (!get_int(env, argv[1], lo, 255, argname, &value)) return NULL;
  if (!socket_family(env, fd, &family)) return NULL;
  if (setsockopt(fd, IPPROTO_IP, v4opt, &value, sizeof value) != 0) {
    throw_errno(env, errno, "setsockopt", v4name);
    return NULL;
  }
  if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, v6opt, &value, sizeof value) != 0) {
    throw_errno(env, errno, "setsockopt", v6name);
    return NULL;
  }
  return undefined(env);
}

/* setTtl(fd, 1..255): hop limit of what we send (eBGP multihop, or 255 for GTSM). */
static napi_value js_set_ttl(napi_env env, napi_callback_info info) {
  return set_ttl_pair(env, info, "ttl", 1, IP_TTL, IPV6_UNICAST_HOPS, "setsockopt(IP_TTL)",
                      "setsockopt(IPV6_UNICAST_HOPS)");
}

/* setMinTtl(fd, 0..255): drop segments that arrive with fewer hops left (RFC 5082); 0 turns it off. */
static napi_value js_set_min_ttl(napi_env env, napi_callback_info info) {
  return set_ttl_pair(env, info, "minTtl", 0, IP_MINTTL, IPV6_MINHOPCOUNT, "setsockopt(IP_MINTTL)",
                      "setsockopt(IPV6_MINHOPCOUNT)");
}

/* bind(fd, address, port, reuseAddr) */
static napi_value js_bind(napi_env env, napi_callback_info info) {
  int fd, family, port, reuse, mapped;
  char text[INET6_ADDRSTRLEN + 8], what[INET6_ADDRSTRLEN + 32];
  struct sockaddr_storage ss;
  socklen_t sslen;
  ARGS(4);
  if (!get_int(env, argv[0], 0, 0x7fffffff, "fd", &fd)) return NULL;
  if (!get_int(env, argv[2], 0, 65535, "port", &port)) return NULL;
  if (!get_bool(env, argv[3], &reuse)) return NULL;
  if (!socket_family(env, fd, &family)) return NULL;
  if (!parse_addr(env, argv[1], family, port, &ss, &sslen, &mapped, text, sizeof text)) return NULL;
  if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse) != 0) {
    throw_errno(env, errno, "setsockopt", "setsockopt(SO_REUSEADDR)");
    return NULL;
  }
  if (bind(fd, (struct sockaddr *)&ss, sslen) != 0) {
    snprintf(what, sizeof what, "bind %s port %d", text, port);
    throw_errno(env, errno, "bind", what);
    return NULL;
  }
  return undefined(env);
}

/* listen(fd, backlog): done here so EADDRINUSE and friends surface synchronously. */
static napi_value js_listen(napi_env env, napi_callback_info info) {
  int fd, backlog;
  ARGS(2);
  if (!get_int(env, argv[0], 0, 0x7fffffff, "fd", &fd)) return NULL;
  if (!get_int(env, argv[1], 1, 65535, "backlog", &backlog)) return NULL;
  if (listen(fd, backlog) != 0) {
    throw_errno(env, errno, "listen", "listen()");
    return NULL;
  }
  return undefined(env);
}

/* close(fd): for the wrapper's error paths, before Node owns the fd. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  int fd;
  ARGS(1);
  if (!get_int(env, argv[0], 0, 0x7fffffff, "fd", &fd)) return NULL;
  if (close(fd) != 0 && errno != EINTR) {
    throw_errno(env, errno, "close", "close()");
    return NULL;
  }
  return undefined(env);
}

/* probe() -> null if this kernel takes TCP-MD5 keys, else the errno name of the refusal. Sets and
 * deletes a throwaway key on a throwaway socket; a kernel built without CONFIG_TCP_MD5SIG answers
 * ENOPROTOOPT (or EINVAL on some older ones). */
static napi_value js_probe(napi_env env, napi_callback_info info) {
  struct md5sig_req req;
  struct sockaddr_in *sin = (struct sockaddr_in *)&req.addr;
  napi_value out;
  int fd, err = 0;
  (void)info;
  fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = errno;
  } else {
    memset(&req, 0, sizeof req);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(0xc0000201); /* 192.0.2.1, TEST-NET-1: never a real peer */
    req.keylen = 1;
    req.key[0] = 'x';
    if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &req, sizeof req) != 0) {
      err = errno;
    } else {
      req.keylen = 0;
      req.key[0] = 0;
      if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &req, sizeof req) != 0) err = errno;
    }
    close(fd);
  }
  if (err == 0) {
    napi_get_null(env, &out);
  } else {
    napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &out);
  }
  return out;
}

NAPI_MODULE_INIT() {
  static const napi_property_descriptor props[] = {
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setKey", NULL, js_set_key, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setTtl", NULL, js_set_ttl, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setMinTtl", NULL, js_set_min_ttl, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"listen", NULL, js_listen, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"probe", NULL, js_probe, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return NULL;
  return exports;
}

#else /* !__linux__ */

/* Elsewhere the addon still builds and loads, and says why it cannot help; the wrapper refuses to
 * open a keyed session rather than run it unsigned. */
NAPI_MODULE_INIT() {
  napi_value reason;
  if (napi_create_string_utf8(env, "this tsbgpd_md5 build has no TCP-MD5 support for this platform",
                              NAPI_AUTO_LENGTH, &reason) != napi_ok)
    return NULL;
  if (napi_set_named_property(env, exports, "unsupported", reason) != napi_ok) return NULL;
  return exports;
}

#endif
