/* What the compiled steps (_scan.c, _strings.c) share: a growing buffer, XML's name and
 * white-space characters, its five named entities, and strict UTF-8. */
#ifndef TOOLKIT_XLSX_XML_H
#define TOOLKIT_XLSX_XML_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    char *data;
    Py_ssize_t len, cap;
} Buf;

static inline int buf_put(Buf *b, const void *p, Py_ssize_t n) {
    if (b->len + n > b->cap) {
        Py_ssize_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n) cap *= 2;
        char *d = PyMem_Realloc(b->data, cap);
        if (d == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

static inline int is_ws(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

static inline int is_name(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == ':' || ch == '.' || ch == '-';
}

static inline int starts(const char *p, const char *end, const char *lit) {
    size_t n = strlen(lit);
    return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* A run of text: [p, q). */
typedef struct {
    const char *p, *q;
} Span;

/* The five named entities of XML and the characters they stand for. */
static const char *const ENTITY[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
static const char ENTITY_CHAR[] = "&<>\"'";

/* Which named entity starts at p: its index in ENTITY, or -1. */
static inline int named_entity(const char *p, const char *end) {
    for (int k = 0; k < 5; k++)
        if (starts(p, end, ENTITY[k])) return k;
    return -1;
}

/* Strict UTF-8; invalid bytes give NULL with no error set and *bail = 1 (the Python code
 * decides what they mean). */
static inline PyObject *decode(const char *p, Py_ssize_t n, int *bail) {
    PyObject *u = PyUnicode_DecodeUTF8(p, n, "strict");
    if (u == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear();
        *bail = 1;
    }
    return u;
}

/* _strings.c: the shared string table's <si> items (see there). */
PyObject *toolkit_strings(PyObject *self, PyObject *args);

#endif
