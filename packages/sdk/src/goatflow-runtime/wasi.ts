/**
 * WASI preview1 as GoatFlow's runtime gives it: wazero's `wasi_snapshot_preview1` with its
 * default module configuration. No files, no environment, no arguments; stdin is empty; stdout
 * and stderr are discarded (kept here so tests can read them); the clocks are wazero's fakes
 * (the wall clock starts at 2022-01-01T00:00:00Z and every read advances it 1 ms, the monotonic
 * clock starts at 0 and does the same); `random_get` is a fixed sequence; sleeping returns at
 * once. `proc_exit` ends the call.
 */
import type { FuncType } from "./module-shape.js";

const ESUCCESS = 0;
const EBADF = 8;
const EINVAL = 28;
const ENOSYS = 52;
const ESPIPE = 70;

/** 2022-01-01T00:00:00Z in nanoseconds: where wazero's fake wall clock starts. */
export const FAKE_EPOCH_NS = 1_640_995_200_000_000_000n;
const MS = 1_000_000n;

/** Every preview1 function wazero provides, with its parameters (i = i32, I = i64); all answer an i32 errno except proc_exit. */
const SIGNATURES: Record<string, string> = {
  args_get: "ii", args_sizes_get: "ii", environ_get: "ii", environ_sizes_get: "ii",
  clock_res_get: "ii", clock_time_get: "iIi",
  fd_advise: "iIIi", fd_allocate: "iII", fd_close: "i", fd_datasync: "i", fd_fdstat_get: "ii",
  fd_fdstat_set_flags: "ii", fd_fdstat_set_rights: "iII", fd_filestat_get: "ii", fd_filestat_set_size: "iI",
  fd_filestat_set_times: "iIIi", fd_pread: "iiiIi", fd_prestat_get: "ii", fd_prestat_dir_name: "iii",
  fd_pwrite: "iiiIi", fd_read: "iiii", fd_readdir: "iiiIi", fd_renumber: "ii", fd_seek: "iIii", fd_sync: "i",
  fd_tell: "ii", fd_write: "iiii",
  path_create_directory: "iii", path_filestat_get: "iiiii", path_filestat_set_times: "iiiiIIi", path_link: "iiiiiii",
  path_open: "iiiiiIIii", path_readlink: "iiiiii", path_remove_directory: "iii", path_rename: "iiiiii",
  path_symlink: "iiiii", path_unlink_file: "iii",
  poll_oneoff: "iiii", proc_exit: "i", proc_raise: "i", sched_yield: "", random_get: "ii",
  sock_accept: "iii", sock_recv: "iiiiii", sock_send: "iiiii", sock_shutdown: "ii",
};

/** The type wazero's host function has, or undefined when preview1 has no such function. */
export function wasiFunctionType(name: string): FuncType | undefined {
  const params = Object.hasOwn(SIGNATURES, name) ? SIGNATURES[name] : undefined;
  if (params === undefined) return undefined;
  return { params: [...params].map((c) => (c === "I" ? "i64" : "i32")), results: name === "proc_exit" ? [] : ["i32"] };
}

/** Thrown by `proc_exit`: ends the call, and wazero closes the module. */
export class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`the module called proc_exit(${code})`);
  }
}

export interface WasiOutput {
  stdout: string;
  stderr: string;
}

/** The preview1 import object for one instance; `memory` is read lazily (it exists after instantiation). */
export function createWasi(memory: () => WebAssembly.Memory, output: WasiOutput): Record<string, (...args: never[]) => unknown> {
  let wall = FAKE_EPOCH_NS - MS;
  let mono = -MS;
  // A fixed-seed xorshift32: the same bytes for every instance, as wazero's fixed source.
  let seed = 42;
  const view = () => new DataView(memory().buffer);
  const bytes = () => new Uint8Array(memory().buffer);
  const isStdio = (fd: number) => fd >= 0 && fd <= 2;
  const decoders = { 1: new TextDecoder(), 2: new TextDecoder() };

  const functions: Record<string, (...args: never[]) => unknown> = {
    args_sizes_get: (argc: number, bufSize: number) => (view().setUint32(argc, 0, true), view().setUint32(bufSize, 0, true), ESUCCESS),
    args_get: () => ESUCCESS,
    environ_sizes_get: (count: number, bufSize: number) => (view().setUint32(count, 0, true), view().setUint32(bufSize, 0, true), ESUCCESS),
    environ_get: () => ESUCCESS,
    clock_res_get: (id: number, out: number) => {
      if (id !== 0 && id !== 1) return EINVAL;
      view().setBigUint64(out, id === 0 ? 1000n : 1n, true);
      return ESUCCESS;
    },
    clock_time_get: (id: number, _precision: bigint, out: number) => {
      if (id === 0) view().setBigUint64(out, (wall += MS), true);
      else if (id === 1) view().setBigUint64(out, (mono += MS), true);
      else return EINVAL;
      return ESUCCESS;
    },
    random_get: (buf: number, len: number) => {
      const b = bytes();
      for (let i = 0; i < len; i++) {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        b[buf + i] = seed & 0xff;
      }
      return ESUCCESS;
    },
    fd_write: (fd: number, iovs: number, iovsLen: number, written: number) => {
      if (fd !== 1 && fd !== 2) return EBADF;
      const v = view();
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = v.getUint32(iovs + i * 8, true);
        const len = v.getUint32(iovs + i * 8 + 4, true);
        const text = decoders[fd].decode(bytes().subarray(ptr, ptr + len), { stream: true });
        if (fd === 1) output.stdout += text;
        else output.stderr += text;
        total += len;
      }
      v.setUint32(written, total, true);
      return ESUCCESS;
    },
    fd_read: (fd: number, _iovs: number, _iovsLen: number, read: number) => {
      if (fd !== 0) return EBADF;
      view().setUint32(read, 0, true); // stdin is empty
      return ESUCCESS;
    },
    fd_fdstat_get: (fd: number, out: number) => {
      if (!isStdio(fd)) return EBADF;
      const b = bytes();
      b.fill(0, out, out + 24);
      b[out] = 2; // character device
      return ESUCCESS;
    },
    fd_close: (fd: number) => (isStdio(fd) ? ESUCCESS : EBADF),
    fd_seek: (fd: number) => (isStdio(fd) ? ESPIPE : EBADF),
    fd_tell: (fd: number) => (isStdio(fd) ? ESPIPE : EBADF),
    fd_prestat_get: () => EBADF,
    fd_prestat_dir_name: () => EBADF,
    sched_yield: () => ESUCCESS,
    proc_exit: (code: number) => {
      throw new ProcExit(code);
    },
    proc_raise: () => ENOSYS,
    poll_oneoff: (subs: number, events: number, count: number, nevents: number) => {
      // Clock subscriptions fire at once (wazero's sleep is a no-op); fd ones are ready on stdio.
      const v = view();
      for (let i = 0; i < count; i++) {
        const sub = subs + i * 48;
        const event = events + i * 32;
        const type = v.getUint8(sub + 8);
        const fd = v.getUint32(sub + 16, true);
        bytes().fill(0, event, event + 32);
        v.setBigUint64(event, v.getBigUint64(sub, true), true);
        v.setUint16(event + 8, type === 0 || isStdio(fd) ? ESUCCESS : EBADF, true);
        v.setUint8(event + 10, type);
      }
      v.setUint32(nevents, count, true);
      return ESUCCESS;
    },
  };
  // Every other function works on a file descriptor or a path under one: none is open.
  for (const name of Object.keys(SIGNATURES)) {
    if (!functions[name]) functions[name] = name.startsWith("fd_") || name.startsWith("path_") || name.startsWith("sock_") ? () => EBADF : () => ENOSYS;
  }
  return functions;
}
