/* SPDX-License-Identifier: MIT */
/* Heap growth under a host-set cap: a sandbox gives each instance its own
 * memory limit, and malloc() failing there turns into CURLE_OUT_OF_MEMORY
 * for the transfer that asked, never a crash of the process. Replaces
 * emscripten's standalone emscripten_resize_heap(). */
#include <stddef.h>
#include <stdint.h>

#include "host.h"

#define PAGE 65536u

void emscripten_notify_memory_growth(size_t index);

int __wrap_emscripten_resize_heap(size_t requested)
{
  size_t old = __builtin_wasm_memory_size(0) * PAGE;
  size_t limit = host_mem_limit();
  size_t target;
  if(requested <= old)
    return 1;
  if(limit && requested > limit)
    return 0;
  /* grow by at least a quarter to keep growth (and host view refreshes)
     rare, within the cap */
  target = old + old / 4;
  if(target < requested)
    target = requested;
  if(limit && target > limit)
    target = limit;
  if(__builtin_wasm_memory_grow(0, (target - old + PAGE - 1) / PAGE) ==
     (size_t)-1)
    return 0;
  emscripten_notify_memory_growth(0);
  return 1;
}

/* Bytes of the heap in use by live allocations (dlmalloc's uordblks): the
 * wasm memory size only ever grows, so this is how a host or a soak test
 * sees whether memory is really given back. */
struct mallinfo {
  int arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks,
      fordblks, keepcost;
};
struct mallinfo mallinfo(void);

size_t lcw_heap_in_use(void)
{
  return (size_t)mallinfo().uordblks;
}
