# Declarations for the compiled twin only (engine/native.py): workbook.py stays the one
# source of what these classes do. As extension types their attributes are C fields,
# which compiled code reads and sets without a dictionary lookup (perf: attribute access
# was about a tenth of a fact set's instructions). The types are those the .py gives them.
from recapture.formula cimport Scope

cdef class Entity:
    cdef public object id
    cdef public object kind
    cdef public dict values
    cdef public dict links

cdef class Workbook:
    cdef public object law
    cdef public object tax_year
    cdef public dict entities
    cdef public list trace
    cdef public list warnings
    cdef public list errors
    cdef public object tables
    cdef public dict _kinds
    cdef public object components

cdef class EntityScope(Scope):
    cdef public Workbook book
    cdef public Entity entity
    cdef public dict reads
    cdef public dict _extra
    cdef public dict local
