# Declarations for the compiled twin only (engine/native.py; see workbook.pxd): a Firing,
# one per rule firing, is an extension type with C fields.
from recapture.workbook cimport Entity, EntityScope, Workbook

cdef class Firing(EntityScope):
    cdef public object ctx
    cdef public dict rule
    cdef public dict sets
    cdef public dict lines
