/*
 * hints: what the compiler is told about a function's place in the hot
 * loops, where its own judgement (made per function, on size) is known to
 * go wrong: a small step the week's passes make millions of times that it
 * would call rather than inline, or a rare path that, inlined, crowds the
 * registers of the loop around it. Each use says why next to it.
 */
#ifndef PS_HINTS_H
#define PS_HINTS_H

#if defined(__GNUC__)
#define PS_HOT_INLINE __attribute__((always_inline)) inline
#define PS_COLD __attribute__((noinline, cold))
#else
#define PS_HOT_INLINE inline
#define PS_COLD
#endif

#endif
