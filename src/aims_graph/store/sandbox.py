"""Confining a query worker: no network at all, and no life after its parent.

A worker runs whatever SPARQL a client sends, through pyoxigraph, which can follow ``SERVICE`` over HTTP. The
text check (``sparql_text.uses_service``) refuses such queries first; this module makes sure that a query the
check misjudges still cannot reach the network. It installs a seccomp filter (Linux, written here as a classic
BPF program through ``prctl`` with ctypes: no extra package, works without privileges once ``no_new_privs``
is set) that fails with EPERM:

- ``socket()`` for every address family but AF_UNIX (so no TCP, UDP, raw or netlink socket can be made),
- ``connect()``, ``sendmsg()``, ``sendmmsg()``, and ``sendto()`` with a destination address (so sockets
  inherited from the server cannot be pointed anywhere new), and ``io_uring_setup()`` (which bypasses
  the syscall filter).

The worker talks to its parent over a socketpair made before the fork, with read() and write(), which stay
allowed. The filter is inherited by anything the worker forks and cannot be removed.

A worker also lets go of every socket it inherited from the server (``drop_inherited_sockets``).

The worker also asks the kernel to SIGKILL it when its parent dies (``PR_SET_PDEATHSIG``), and exits at
once if the parent is already gone, so killing the server never leaves workers holding memory.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import stat
import struct

from ..errors import StoreError

_PR_SET_PDEATHSIG = 1
_PR_SET_SECCOMP = 22
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000

# Classic BPF opcodes.
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K

# seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6] (little-endian hosts only here).
_NR, _ARCH, _ARG0_LOW, _ARG4_LOW, _ARG4_HIGH = 0, 4, 16, 48, 52

_AF_UNIX = 1


class _Arch:
    def __init__(self, audit: int, socket: int, connect: int, sendto: int, sendmsg: int, sendmmsg: int) -> None:
        self.audit = audit
        self.socket = socket
        self.connect = connect
        self.sendto = sendto
        self.sendmsg = sendmsg
        self.sendmmsg = sendmmsg


_IO_URING_SETUP = 425  # the same number on both architectures below
_ARCHES = {
    "x86_64": _Arch(0xC000003E, socket=41, connect=42, sendto=44, sendmsg=46, sendmmsg=307),
    "aarch64": _Arch(0xC00000B7, socket=198, connect=203, sendto=206, sendmsg=211, sendmmsg=269),
}
_X32_BIT = 0x40000000  # x86_64 syscalls through the x32 ABI carry this bit; refused wholesale


def _program(arch: _Arch) -> bytes:
    """The filter as BPF instructions (struct sock_filter: u16 code, u8 jt, u8 jf, u32 k)."""
    deny = _SECCOMP_RET_ERRNO | errno.EPERM
    code: list[tuple[int, int, int, int]] = []

    def emit(op: int, jt: int, jf: int, k: int) -> None:
        code.append((op, jt, jf, k))

    # 0: another architecture (e.g. 32-bit calls on a 64-bit kernel) has other numbers: deny everything.
    emit(_LD_W_ABS, 0, 0, _ARCH)
    emit(_JEQ_K, 1, 0, arch.audit)
    emit(_RET_K, 0, 0, deny)
    emit(_LD_W_ABS, 0, 0, _NR)
    if arch.audit == _ARCHES["x86_64"].audit:
        emit(_JGE_K, 0, 1, _X32_BIT)
        emit(_RET_K, 0, 0, deny)
    # Calls refused whatever their arguments.
    for number in (arch.connect, arch.sendmsg, arch.sendmmsg, _IO_URING_SETUP):
        emit(_JEQ_K, 0, 1, number)
        emit(_RET_K, 0, 0, deny)
    # socket(domain, ...): only AF_UNIX.
    emit(_JEQ_K, 0, 4, arch.socket)
    emit(_LD_W_ABS, 0, 0, _ARG0_LOW)
    emit(_JEQ_K, 1, 0, _AF_UNIX)
    emit(_RET_K, 0, 0, deny)
    emit(_RET_K, 0, 0, _SECCOMP_RET_ALLOW)
    # sendto(fd, buf, len, flags, dest_addr, addrlen): only without a destination (that is, send()).
    emit(_JEQ_K, 0, 5, arch.sendto)
    emit(_LD_W_ABS, 0, 0, _ARG4_LOW)
    emit(_JEQ_K, 0, 2, 0)
    emit(_LD_W_ABS, 0, 0, _ARG4_HIGH)
    emit(_JEQ_K, 1, 0, 0)
    emit(_RET_K, 0, 0, deny)
    emit(_RET_K, 0, 0, _SECCOMP_RET_ALLOW)
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in code)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def deny_network() -> None:
    """Install the filter in this process (and everything it forks); a StoreError where that is impossible."""
    arch = _ARCHES.get(platform.machine())
    if arch is None or os.uname().sysname != "Linux":
        raise StoreError(f"query workers cannot be cut off from the network on {platform.machine()}")
    libc = _libc()
    program = _program(arch)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise StoreError(f"prctl(NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise StoreError(f"installing the seccomp filter failed: {os.strerror(ctypes.get_errno())}")


def die_with_parent(parent: int) -> None:
    """SIGKILL this process when its parent dies; exit now if the parent already has."""
    import signal

    if _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise StoreError(f"prctl(PDEATHSIG) failed: {os.strerror(ctypes.get_errno())}")
    if os.getppid() != parent:  # the parent died between fork() and prctl()
        os._exit(1)


def drop_inherited_sockets(keep: int) -> None:
    """Point every socket inherited from the server (clients' connections, the listening socket, sibling
    workers' pipes) at /dev/null, except ``keep``.

    A forked worker holds a copy of each; while any copy is open, the server closing a connection sends no
    FIN, and a client on a kept-alive connection waits forever for an answer nobody will write. The numbers
    stay taken (dup2, not close), so a stale socket object collected later cannot close a file the worker
    opened since.
    """
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd in (keep, null):
                continue
            try:
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    os.dup2(null, fd)
            except OSError:
                continue  # the directory's own descriptor, closed by now
    finally:
        os.close(null)


def confine(parent: int, keep: int) -> None:
    """Everything a worker does first: tie its life to the parent, let go of the server's sockets, then cut
    itself off from the network."""
    die_with_parent(parent)
    drop_inherited_sockets(keep)
    deny_network()
