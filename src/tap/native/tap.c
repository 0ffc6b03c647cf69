// wirestack_tap: the only native code in wirestack. Opens Linux TAP devices (/dev/net/tun) and raw
// IPv4 sockets, and moves frames between their file descriptors and JS-owned memory.
//
// Design (why it looks like this):
// - Readiness comes from libuv (a uv_poll_t on the non-blocking fd, level-triggered epoll), so no
//   thread-pool request is made per frame and no thread is blocked in read(2).
// - On readiness the reader drains the fd in a loop of read(2)/recv(2) calls into one JS-owned
//   arena (a Uint8Array) and records [offset, length] pairs in a JS-owned Int32Array, then calls
//   JS once per batch with the frame count. Nothing is allocated per frame on either side.
// - Writes are synchronous write(2)/send(2) on the non-blocking fd; EAGAIN means the kernel queue
//   is full and the frame is dropped (counted by the caller), as a NIC would drop it.
// - Errors are returned as negative errno numbers (the fast path never throws); open failures
//   throw a JS Error carrying the errno name so the loader can explain them.
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(call)                                                                    \
  do {                                                                                 \
    if ((call) != napi_ok) {                                                           \
      napi_throw_error(env, NULL, "wirestack_tap: N-API call failed: " #call);         \
      return NULL;                                                                     \
    }                                                                                  \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value m, code, e, errnoV;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  const char *name = err == EPERM ? "EPERM" : err == EACCES ? "EACCES" : err == ENOENT ? "ENOENT"
                   : err == EBUSY ? "EBUSY" : err == EINVAL ? "EINVAL" : err == ENODEV ? "ENODEV"
                   : err == EEXIST ? "EEXIST" : "EOTHER";
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, m, &e);
  napi_create_int32(env, err, &errnoV);
  napi_set_named_property(env, e, "errno", errnoV);
  napi_throw(env, e);
  return NULL;
}

static int get_i32(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

// Returns a pointer into a TypedArray's bytes (any element type) and its byte length.
static uint8_t *typed_bytes(napi_env env, napi_value v, size_t *bytes) {
  napi_typedarray_type type;
  size_t length, byte_offset;
  void *data;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &byte_offset) != napi_ok) return NULL;
  size_t el = (type == napi_int32_array || type == napi_uint32_array || type == napi_float32_array) ? 4
            : (type == napi_int16_array || type == napi_uint16_array) ? 2
            : (type == napi_float64_array || type == napi_bigint64_array || type == napi_biguint64_array) ? 8 : 1;
  *bytes = length * el;
  return (uint8_t *)data;
}

// Returns v as a JS number: the result of every fd call (a count or -errno).
static napi_value int32_result(napi_env env, int32_t v) {
  napi_value r;
  CHECK(napi_create_int32(env, v, &r));
  return r;
}

// For open paths that fail half way: closes fd, keeping the errno of the failed call, and throws.
static napi_value close_and_throw(napi_env env, int fd, const char *what) {
  int e = errno;
  close(fd);
  return throw_errno(env, what, e);
}

// Unpacks (fd, buf: TypedArray, off, len) from argv[0..3], as write/sendTo/read take them. Returns
// a pointer to buf[off] with *fd and *len set, or NULL when an argument is not an int32/TypedArray
// or [off, off+len) is not inside buf (the caller answers -EINVAL).
static uint8_t *fd_range_args(napi_env env, napi_value *argv, int32_t *fd, int32_t *len) {
  int32_t off;
  size_t bytes = 0;
  uint8_t *p = typed_bytes(env, argv[1], &bytes);
  if (!get_i32(env, argv[0], fd) || !p || !get_i32(env, argv[2], &off) || !get_i32(env, argv[3], len) ||
      off < 0 || *len < 0 || (size_t)off + (size_t)*len > bytes) return NULL;
  return p + off;
}

// Reads obj[key] into *out when obj has that property; false when it is absent or unreadable.
static bool named_option(napi_env env, napi_value obj, const char *key, napi_value *out) {
  bool has;
  return napi_has_named_property(env, obj, key, &has) == napi_ok && has &&
         napi_get_named_property(env, obj, key, out) == napi_ok;
}

// tapOpen(name: string, persist: -1 | 0 | 1, nonBlocking: boolean)   (-1: leave the flag as it is)
//   → { fd, name, mtu, mac: Uint8Array(6), existed }
// An empty name lets the kernel choose (tap%d). Attaching to an existing device uses the same
// TUNSETIFF call as creating one (drivers/net/tun.c: tun_set_iff looks the name up first).
static napi_value TapOpen(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[IFNAMSIZ + 1] = {0};
  size_t nlen = 0;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &nlen) != napi_ok || nlen >= IFNAMSIZ) {
    napi_throw_range_error(env, "EINVAL", "TAP device name must be a string of at most 15 bytes");
    return NULL;
  }
  int32_t persist = -1;
  bool nonblock = true;
  get_i32(env, argv[1], &persist);
  if (argc > 2) napi_get_value_bool(env, argv[2], &nonblock);

  bool existed = nlen > 0 && if_nametoindex(name) != 0;
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open /dev/net/tun", errno);

  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI; // no 4-byte packet-info prefix: frames start at the MAC header
  memcpy(ifr.ifr_name, name, nlen);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) return close_and_throw(env, fd, "TUNSETIFF");
  if (persist >= 0 && ioctl(fd, TUNSETPERSIST, persist ? 1 : 0) < 0)
    return close_and_throw(env, fd, "TUNSETPERSIST");
  // MAC: asked of the tun fd itself (tun.c handles SIOCGIFHWADDR there), so it also works after the
  // device moved to another namespace. MTU: SIOCGIFMTU needs a socket in the device's namespace.
  struct ifreq hw;
  memset(&hw, 0, sizeof hw);
  memcpy(hw.ifr_name, ifr.ifr_name, IFNAMSIZ);
  if (ioctl(fd, SIOCGIFHWADDR, &hw) < 0) return close_and_throw(env, fd, "SIOCGIFHWADDR");
  int mtu = 1500;
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s >= 0) {
    struct ifreq m;
    memset(&m, 0, sizeof m);
    memcpy(m.ifr_name, ifr.ifr_name, IFNAMSIZ);
    if (ioctl(s, SIOCGIFMTU, &m) == 0) mtu = m.ifr_mtu;
    close(s);
  }
  if (nonblock) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return close_and_throw(env, fd, "fcntl O_NONBLOCK");
  }

  napi_value obj, v, macArr, macAb;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_int32(env, fd, &v));
  CHECK(napi_set_named_property(env, obj, "fd", v));
  ifr.ifr_name[IFNAMSIZ - 1] = 0;
  CHECK(napi_create_string_utf8(env, ifr.ifr_name, NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, obj, "name", v));
  CHECK(napi_create_int32(env, mtu, &v));
  CHECK(napi_set_named_property(env, obj, "mtu", v));
  void *macData;
  CHECK(napi_create_arraybuffer(env, 6, &macData, &macAb));
  memcpy(macData, hw.ifr_hwaddr.sa_data, 6);
  CHECK(napi_create_typedarray(env, napi_uint8_array, 6, macAb, 0, &macArr));
  CHECK(napi_set_named_property(env, obj, "mac", macArr));
  CHECK(napi_get_boolean(env, existed, &v));
  CHECK(napi_set_named_property(env, obj, "existed", v));
  return obj;
}

// rawOpen(protocol: number) → fd. A raw IPv4 socket receiving every inbound IPv4 packet of
// `protocol` (ip(7)/raw(7): the kernel delivers a copy, IP header included) and, with IP_HDRINCL,
// sending whole IPv4 packets we built ourselves (the kernel fills in only a zero id and checksum).
static napi_value RawOpen(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t proto;
  if (argc < 1 || !get_i32(env, argv[0], &proto) || proto < 1 || proto > 255) {
    napi_throw_range_error(env, "EINVAL", "protocol must be 1..255");
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd < 0) return throw_errno(env, "socket(AF_INET, SOCK_RAW)", errno);
  int one = 1;
  if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one) < 0) return close_and_throw(env, fd, "IP_HDRINCL");
  return int32_result(env, fd);
}

// write(fd, buf, off, len) → bytes written or -errno (-EAGAIN: queue full, the caller drops).
static napi_value Write(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, len;
  uint8_t *p = fd_range_args(env, argv, &fd, &len);
  if (!p) return int32_result(env, -EINVAL);
  ssize_t n = write(fd, p, (size_t)len);
  return int32_result(env, n < 0 ? -errno : (int32_t)n);
}

// sendTo(fd, buf, off, len, dstIpv4Uint32) → bytes sent or -errno. Raw IPv4 sockets need a
// destination address for routing even with IP_HDRINCL (raw(7)); it is the packet's own dst.
static napi_value SendTo(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, len;
  uint32_t dst;
  uint8_t *p = fd_range_args(env, argv, &fd, &len);
  if (!p || napi_get_value_uint32(env, argv[4], &dst) != napi_ok) return int32_result(env, -EINVAL);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(dst);
  ssize_t n = sendto(fd, p, (size_t)len, 0, (struct sockaddr *)&sa, sizeof sa);
  return int32_result(env, n < 0 ? -errno : (int32_t)n);
}

// read(fd, buf, off, len) → bytes read or -errno. One frame per call: the naive path the batch
// reader is measured against, and handy for tests.
static napi_value Read(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, len;
  uint8_t *p = fd_range_args(env, argv, &fd, &len);
  if (!p) return int32_result(env, -EINVAL);
  ssize_t n = read(fd, p, (size_t)len);
  return int32_result(env, n < 0 ? -errno : (int32_t)n);
}

static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (!get_i32(env, argv[0], &fd) || fd < 0) return int32_result(env, -EINVAL);
  return int32_result(env, close(fd) < 0 ? -errno : 0);
}

static napi_value SetBlocking(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  bool blocking = false;
  get_i32(env, argv[0], &fd);
  napi_get_value_bool(env, argv[1], &blocking);
  int fl = fcntl(fd, F_GETFL);
  int rc = fl < 0 ? -errno : fcntl(fd, F_SETFL, blocking ? (fl & ~O_NONBLOCK) : (fl | O_NONBLOCK)) < 0 ? -errno : 0;
  return int32_result(env, rc);
}

// ---- batch reader ----------------------------------------------------------------------------
//
// Reader(fd, arena: Uint8Array, meta: Int32Array, onBatch(count), opts {headroom, maxFrame, budget, notifyOnly})
// Invariants: the arena and meta arrays are held by references for the reader's lifetime, so
// their memory stays put; frames in the arena are valid only during onBatch (borrowed, per the
// Port contract) because the next batch overwrites them. meta[2i] = offset, meta[2i+1] = length;
// meta[0..] is also used with count < 0 to report a read error (-errno) to JS.

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref arena_ref, meta_ref, cb_ref, self_ref;
  napi_async_context actx;
  uint8_t *arena;
  size_t arena_len;
  int32_t *meta;
  size_t max_frames;
  int fd;
  int32_t headroom, max_frame, budget;
  bool notify_only, closing, started;
} reader_t;

static void reader_free_refs(reader_t *r) {
  napi_env env = r->env;
  if (r->arena_ref) napi_delete_reference(env, r->arena_ref);
  if (r->meta_ref) napi_delete_reference(env, r->meta_ref);
  if (r->cb_ref) napi_delete_reference(env, r->cb_ref);
  if (r->actx) napi_async_destroy(env, r->actx);
  r->arena_ref = r->meta_ref = r->cb_ref = NULL;
  r->actx = NULL;
}

static void on_poll_closed(uv_handle_t *h) {
  reader_t *r = (reader_t *)h->data;
  free(r);
}

static void call_js(reader_t *r, int32_t count) {
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, arg, result;
  if (napi_get_reference_value(env, r->cb_ref, &cb) == napi_ok && cb != NULL) {
    napi_get_global(env, &recv); // make_callback needs an object receiver
    napi_create_int32(env, count, &arg);
    // make_callback (not call_function): runs process.nextTick / microtasks afterwards, as any
    // libuv-driven callback into JS must.
    napi_status st = napi_make_callback(env, r->actx, recv, cb, 1, &arg, &result);
    if (st == napi_pending_exception) {
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      napi_fatal_exception(env, exc); // surfaces as 'uncaughtException', like an EventEmitter throw
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  reader_t *r = (reader_t *)h->data;
  if (r->closing) return;
  if (status < 0) {
    call_js(r, status); // libuv error (already negative errno)
    return;
  }
  if (!(events & UV_READABLE)) return;
  if (r->notify_only) {
    call_js(r, 0);
    return;
  }
  // Drain: up to `budget` batches per wakeup (like a NAPI poll budget) so one busy device cannot
  // starve the event loop; level-triggered epoll wakes us again if frames remain.
  for (int b = 0; b < r->budget && !r->closing; b++) {
    size_t pos = 0, n = 0;
    int err = 0;
    while (n < r->max_frames) {
      size_t start = pos + (size_t)r->headroom;
      if (start + (size_t)r->max_frame > r->arena_len) break; // arena full: deliver what we have
      ssize_t got = read(r->fd, r->arena + start, (size_t)r->max_frame);
      if (got < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) err = errno;
        break;
      }
      r->meta[2 * n] = (int32_t)start;
      r->meta[2 * n + 1] = (int32_t)got;
      n++;
      pos = (start + (size_t)got + 7) & ~(size_t)7; // keep frames 8-byte aligned
    }
    if (n > 0) call_js(r, (int32_t)n);
    if (err && !r->closing) {
      call_js(r, -err);
      return;
    }
    if (n < r->max_frames && pos + (size_t)r->headroom + (size_t)r->max_frame <= r->arena_len) return; // drained
  }
}

static void reader_stop(reader_t *r) {
  if (r->closing) return;
  r->closing = true;
  if (r->started) {
    uv_poll_stop(&r->poll);
    uv_close((uv_handle_t *)&r->poll, on_poll_closed);
  } else {
    free(r);
  }
}

static void reader_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  reader_t *r = (reader_t *)data;
  // The JS object died without stop(): nothing can call back into it any more.
  if (!r->closing) {
    reader_free_refs(r);
    reader_stop(r);
  }
}

static napi_value ReaderNew(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  reader_t *r = calloc(1, sizeof *r);
  if (!r) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  r->env = env;
  r->headroom = 0;
  r->max_frame = 65536;
  r->budget = 4;
  size_t metaBytes = 0;
  if (argc < 4 || !get_i32(env, argv[0], &r->fd) || !(r->arena = typed_bytes(env, argv[1], &r->arena_len)) ||
      !(r->meta = (int32_t *)typed_bytes(env, argv[2], &metaBytes))) {
    free(r);
    napi_throw_type_error(env, "EINVAL", "Reader(fd, arena: Uint8Array, meta: Int32Array, onBatch, opts)");
    return NULL;
  }
  r->max_frames = metaBytes / 8;
  if (argc > 4) {
    napi_value v;
    if (named_option(env, argv[4], "headroom", &v)) get_i32(env, v, &r->headroom);
    if (named_option(env, argv[4], "maxFrame", &v)) get_i32(env, v, &r->max_frame);
    if (named_option(env, argv[4], "budget", &v)) get_i32(env, v, &r->budget);
    if (named_option(env, argv[4], "notifyOnly", &v)) napi_get_value_bool(env, v, &r->notify_only);
  }
  if (r->headroom < 0 || r->max_frame <= 0 || r->budget <= 0 || r->max_frames == 0 ||
      (size_t)r->headroom + (size_t)r->max_frame > r->arena_len) {
    free(r);
    napi_throw_range_error(env, "EINVAL", "arena must hold headroom + maxFrame bytes and meta at least one pair");
    return NULL;
  }
  CHECK(napi_create_reference(env, argv[1], 1, &r->arena_ref));
  CHECK(napi_create_reference(env, argv[2], 1, &r->meta_ref));
  CHECK(napi_create_reference(env, argv[3], 1, &r->cb_ref));
  napi_value rname;
  CHECK(napi_create_string_utf8(env, "wirestack:tap-reader", NAPI_AUTO_LENGTH, &rname));
  CHECK(napi_async_init(env, NULL, rname, &r->actx));

  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  int rc = uv_poll_init(loop, &r->poll, r->fd);
  if (rc < 0) {
    reader_free_refs(r);
    free(r);
    return throw_errno(env, "uv_poll_init", -rc);
  }
  r->poll.data = r;
  r->started = true;
  rc = uv_poll_start(&r->poll, UV_READABLE, on_readable);
  if (rc < 0) {
    reader_free_refs(r);
    reader_stop(r);
    return throw_errno(env, "uv_poll_start", -rc);
  }
  CHECK(napi_wrap(env, self, r, reader_finalize, NULL, NULL));
  return self;
}

static reader_t *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *p = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &p) != napi_ok) return NULL;
  return (reader_t *)p;
}

// stop(): stops polling and releases the handle. The fd is NOT closed (the owner closes it, after
// stop, because libuv requires the poll handle to stop watching an fd before it is closed).
static napi_value ReaderStop(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self;
  void *p = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, NULL, &self, NULL));
  // remove_wrap: the finalizer must not run on memory that on_poll_closed frees.
  if (napi_remove_wrap(env, self, &p) != napi_ok || p == NULL) return NULL; // already stopped
  reader_t *r = (reader_t *)p;
  reader_free_refs(r);
  reader_stop(r);
  return NULL;
}

static napi_value ReaderRef(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  reader_t *r = unwrap(env, info, &argc, argv);
  bool on = true;
  if (argc > 0) napi_get_value_bool(env, argv[0], &on);
  if (r && !r->closing) {
    if (on) uv_ref((uv_handle_t *)&r->poll);
    else uv_unref((uv_handle_t *)&r->poll);
  }
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor fns[] = {
    {"tapOpen", NULL, TapOpen, NULL, NULL, NULL, napi_enumerable, NULL},
    {"rawOpen", NULL, RawOpen, NULL, NULL, NULL, napi_enumerable, NULL},
    {"write", NULL, Write, NULL, NULL, NULL, napi_enumerable, NULL},
    {"sendTo", NULL, SendTo, NULL, NULL, NULL, napi_enumerable, NULL},
    {"read", NULL, Read, NULL, NULL, NULL, napi_enumerable, NULL},
    {"close", NULL, Close, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setBlocking", NULL, SetBlocking, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns));
  napi_property_descriptor methods[] = {
    {"stop", NULL, ReaderStop, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ref", NULL, ReaderRef, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value cls;
  CHECK(napi_define_class(env, "Reader", NAPI_AUTO_LENGTH, ReaderNew, NULL, 2, methods, &cls));
  CHECK(napi_set_named_property(env, exports, "Reader", cls));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
