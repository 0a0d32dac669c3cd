"""Cache hints for the compiled searches: ask the processor to start loading memory that a kernel will read soon.

A hint changes no result and raises nothing (a prefetch of any address is harmless); it only overlaps the loads
of a batch of cache lines, which a search would otherwise wait for one after another, each behind the load that
found its address.
"""

from __future__ import annotations

from llvmlite import binding, ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

#: Elements of a 64-byte cache line: every ``LINE // itemsize``-th element of an array starts a new line.
LINE = 64

#: The prefetch intrinsic's name: overloaded on the pointer type, which LLVM spells ``p0`` since its pointers
#: became opaque (LLVM 15) and ``p0i8`` before.
_PREFETCH = "llvm.prefetch.p0" if binding.llvm_version_info[0] >= 15 else "llvm.prefetch.p0i8"


@intrinsic
def prefetch(typingctx, arr, index):
    """Hint that element ``index`` of the 1-d array ``arr`` will be read soon (``llvm.prefetch``: a read, kept in
    all cache levels). No bounds check: an index past the end is a hint about some other address, never a fault."""
    if not isinstance(arr, types.Array) or arr.ndim != 1 or not isinstance(index, types.Integer):
        return None
    sig = types.void(arr, index)

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, signature.args[0], ary, [args[1]], wraparound=False)
        byte_ptr = builder.bitcast(ptr, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [byte_ptr.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, _PREFETCH)
        # read (0), keep in all levels (locality 3), data cache (1)
        builder.call(fn, [byte_ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen
