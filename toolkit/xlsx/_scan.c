/* The sheet parser's compiled step: one chunk of <sheetData> (whole rows) in the shape
 * Excel, WPS, LibreOffice, openpyxl and xlsxwriter write, turned into columns.
 *
 * It accepts a strict subset of what the Python fast parser (toolkit/xlsx/sheet_fast.py)
 * accepts and gives exactly what that parser gives for it; for anything else it returns
 * None and the chunk goes through the Python code, unchanged. It proves it saw every tag:
 * every '<' of the chunk starts <row>, </row>, <c r="..">, <f>, <v>, <is>, <t> or their
 * end tags, in that nesting, and every '&' starts one of the five named entities. It
 * changes nothing it was given except the policy cache, so a None leaves no trace.
 *
 * scan(body, strings, start_row, policies, policy_of, last_key) -> None | (
 *     cell_count, rows, cols, kinds, styles, values, formulas, strays, hidden, last_key)
 *   body       bytes: whole rows of the sheet's XML
 *   strings    list[str]: the shared strings
 *   start_row  rows from here on are kept as the plan says (policies)
 *   policies   bytearray(16385): per column 0 keep, 1 flag, 2 stray, 255 not asked yet
 *   policy_of  callable(column) -> policy, asked once per column (or None: no plan)
 *   last_key   row * 16385 + column of the last cell kept before this chunk
 * rows, cols and styles are native int arrays as bytes (array('i').frombytes), kinds
 * bytes; formulas [(index in this chunk, text)], strays [(row, col, kind, value)],
 * hidden [row numbers of hidden rows].
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "_xml.h"

enum { K_EMPTY = 0, K_NUMBER = 1, K_TEXT = 2, K_BOOL = 3, K_ERROR = 4, K_FORMULA = 8 };
enum { T_NUMBER, T_SHARED, T_STR, T_BOOL, T_ERROR };
enum { P_KEEP = 0, P_FLAG = 1, P_STRAY = 2, P_UNKNOWN = 255 };
#define MAX_ROW 1048576L
#define MAX_COL 16384L
#define KEY (MAX_COL + 1)
#define MAX_ATTRS 8
/* "=（共享公式）" in UTF-8: a formula shared from another cell */
static const char SHARED_FORMULA[] = "=\xef\xbc\x88\xe5\x85\xb1\xe4\xba\xab\xe5\x85\xac\xe5\xbc\x8f\xef\xbc\x89";

/* The decimal number written in s, 1 to max_len ASCII digits; else -1. */
static long digits(Span s, Py_ssize_t max_len) {
    Py_ssize_t n = s.q - s.p;
    if (n < 1 || n > max_len) return -1;
    long x = 0;
    for (const char *d = s.p; d < s.q; d++) {
        if (*d < '0' || *d > '9') return -1;
        x = x * 10 + (*d - '0');
    }
    return x;
}

/* Text as the Python fast parser decodes it (_unescape_fast, then decode_escapes unless
 * `formula`: a formula's text is not unescaped, so _xlfn. stays), for text without
 * carriage returns, character references or (not a formula) _x escapes (else NULL with
 * no error set: the caller bails). Control characters other than tab and line feed, and
 * invalid UTF-8, also bail: the Python code decides what they mean. */
static PyObject *text_of(Span s, int formula, int *bail) {
    *bail = 0;
    int amp = 0;
    for (const char *x = s.p; x < s.q; x++) {
        unsigned char ch = (unsigned char)*x;
        if (ch < 0x20 && ch != '\t' && ch != '\n') goto out;
        if (ch == '&') amp = 1;
        if (!formula && ch == '_' && x + 1 < s.q && x[1] == 'x') goto out;
    }
    if (!amp) return decode(s.p, s.q - s.p, bail);
    Buf b = {0};
    const char *x = s.p;
    while (x < s.q) {
        const char *a = memchr(x, '&', s.q - x);
        if (a == NULL) a = s.q;
        if (buf_put(&b, x, a - x) < 0) goto fail;
        if (a == s.q) break;
        int k = named_entity(a, s.q);
        if (k < 0) {
            PyMem_Free(b.data);
            goto out;
        }
        if (buf_put(&b, &ENTITY_CHAR[k], 1) < 0) goto fail;
        x = a + strlen(ENTITY[k]);
    }
    PyObject *u = decode(b.data ? b.data : "", b.len, bail);
    PyMem_Free(b.data);
    return u;
fail:
    PyMem_Free(b.data);
    return NULL;
out:
    *bail = 1;
    return NULL;
}

/* Trimmed like bytes.strip(): b" \t\n\r\x0b\x0c". */
static Span strip(Span s) {
    while (s.p < s.q && (is_ws(*s.p) || *s.p == '\x0b' || *s.p == '\x0c')) s.p++;
    while (s.q > s.p && (is_ws(s.q[-1]) || s.q[-1] == '\x0b' || s.q[-1] == '\x0c')) s.q--;
    return s;
}

static int printable_ascii(Span s) {
    for (const char *x = s.p; x < s.q; x++)
        if ((unsigned char)*x < 0x21 || (unsigned char)*x > 0x7e || *x == '&') return 0;
    return 1;
}

typedef struct {
    const char *p, *end;
    PyObject *strings;
    Py_ssize_t n_strings;
    long start_row;
    unsigned char *policies;
    PyObject *policy_of;
    long long last_key;
    Py_ssize_t cells;
    Buf rows, cols, kinds, styles;
    PyObject *values, *formulas, *strays, *hidden;
    int bail;
} Scan;

/* Attributes up to '>' or '/>': each ` name="value"`, no value holding '<', '>' or '/'
 * (the regular expression's shape), names unique, none named r. Sets *s_out, *t_out. */
static int attrs(Scan *S, int cell, long *s_out, int *t_out, int *closed, long *r_out) {
    const char *p = S->p, *end = S->end;
    Span seen[MAX_ATTRS];
    int n = 0;
    *s_out = 0;
    *t_out = T_NUMBER;
    for (;;) {
        const char *ws = p;
        while (p < end && is_ws(*p)) p++;
        if (p >= end) return 0;
        if (*p == '>') {
            *closed = 0;
            S->p = p + 1;
            return 1;
        }
        if (*p == '/') {
            if (p + 1 >= end || p[1] != '>') return 0;
            *closed = 1;
            S->p = p + 2;
            return 1;
        }
        if (p == ws) return 0; /* attributes must be separated by white space */
        const char *name = p;
        while (p < end && is_name(*p)) p++;
        if (p == name || p + 1 >= end || p[0] != '=' || p[1] != '"') return 0;
        Span nm = {name, p};
        p += 2;
        const char *val = p;
        while (p < end && *p != '"') {
            if (*p == '<' || *p == '>' || *p == '/') return 0;
            p++;
        }
        if (p >= end) return 0;
        Span v = {val, p};
        p++;
        if (n == MAX_ATTRS) return 0;
        for (int i = 0; i < n; i++)
            if (seen[i].q - seen[i].p == nm.q - nm.p && !memcmp(seen[i].p, nm.p, nm.q - nm.p))
                return 0;
        seen[n++] = nm;
        Py_ssize_t len = nm.q - nm.p, vlen = v.q - v.p;
        if (cell) {
            if (len == 1 && nm.p[0] == 'r') return 0;
            if (len == 1 && nm.p[0] == 's') {
                if ((*s_out = digits(v, 9)) < 0) return 0;
            } else if (len == 1 && nm.p[0] == 't') {
                if (vlen == 1 && v.p[0] == 'n') *t_out = T_NUMBER;
                else if (vlen == 1 && v.p[0] == 's') *t_out = T_SHARED;
                else if (vlen == 3 && !memcmp(v.p, "str", 3)) *t_out = T_STR;
                else if (vlen == 9 && !memcmp(v.p, "inlineStr", 9)) *t_out = T_STR;
                else if (vlen == 1 && v.p[0] == 'b') *t_out = T_BOOL;
                else if (vlen == 1 && v.p[0] == 'e') *t_out = T_ERROR;
                else return 0; /* t="d" and anything unknown: the Python code */
            }
        } else {
            if (len == 1 && nm.p[0] == 'r') {
                if ((*r_out = digits(v, 7)) < 0) return 0;
            } else if (len == 6 && !memcmp(nm.p, "hidden", 6)) {
                if ((vlen == 1 && v.p[0] == '1') || (vlen == 4 && !memcmp(v.p, "true", 4)))
                    *s_out = 1;
            } else if (len == 2 && !memcmp(nm.p, "ht", 2)) {
                /* ht="0", "0." or "0.000": hidden, as the Python code's \sht="0(?:\.0*)?" */
                int zero = vlen >= 1 && v.p[0] == '0';
                for (const char *x = v.p + 1; zero && x < v.q; x++)
                    if (!(x == v.p + 1 ? *x == '.' : *x == '0')) zero = 0;
                if (zero) *s_out = 1;
            }
        }
    }
}

/* Text up to the next '<', which must start `lit` (an end tag). */
static int text_until(Scan *S, const char *lit, Span *out) {
    const char *lt = memchr(S->p, '<', S->end - S->p);
    if (lt == NULL || !starts(lt, S->end, lit)) return 0;
    out->p = S->p;
    out->q = lt;
    S->p = lt + strlen(lit);
    return 1;
}

/* A tag's own attributes, not parsed (as the regular expression: [^<>]*), up to '>'. */
static int skip_tag(Scan *S, int *closed) {
    const char *p = S->p;
    while (p < S->end && *p != '>') {
        if (*p == '<') return 0;
        p++;
    }
    if (p >= S->end) return 0;
    *closed = p[-1] == '/';
    S->p = p + 1;
    return 1;
}

static int policy(Scan *S, long c) {
    unsigned char pol = S->policies[c];
    if (pol == P_UNKNOWN) {
        PyObject *got = PyObject_CallFunction(S->policy_of, "l", c);
        if (got == NULL) return -1;
        long v = PyLong_AsLong(got);
        Py_DECREF(got);
        if (v == -1 && PyErr_Occurred()) return -1;
        if (v < 0 || v > 2) {
            PyErr_SetString(PyExc_ValueError, "policy out of range");
            return -1;
        }
        pol = S->policies[c] = (unsigned char)v;
    }
    return pol;
}

/* One <c r="..">: 1 done, 0 bail, -1 error. S->p is just past `<c r="`. */
static int cell(Scan *S) {
    const char *p = S->p, *end = S->end;
    long c = 0;
    int nl = 0;
    while (p < end && *p >= 'A' && *p <= 'Z' && nl < 4) c = c * 26 + (*p++ - 'A' + 1), nl++;
    const char *d = p;
    while (p < end && *p >= '0' && *p <= '9' && p - d < 8) p++;
    long r = digits((Span){d, p}, 7);
    if (nl < 1 || nl > 3 || r < 0 || p >= end || *p != '"') return 0;
    if (r < 1 || r > MAX_ROW || c > MAX_COL) return 0;
    S->p = p + 1;
    long style;
    int t, closed;
    if (!attrs(S, 1, &style, &t, &closed, NULL)) return 0;
    S->cells++;
    Span f = {0}, v = {0}, is = {0};
    int has_f = 0, f_closed = 0, has_v = 0, has_is = 0;
    if (!closed) {
        if (starts(S->p, end, "<f") && S->p + 2 < end &&
            (is_ws(S->p[2]) || S->p[2] == '>' || S->p[2] == '/')) {
            S->p += 2;
            if (!skip_tag(S, &f_closed)) return 0;
            has_f = 1;
            if (!f_closed && !text_until(S, "</f>", &f)) return 0;
        }
        if (starts(S->p, end, "<v>")) {
            S->p += 3;
            if (!text_until(S, "</v>", &v)) return 0;
            has_v = v.q > v.p;
        }
        if (starts(S->p, end, "<is>")) {
            S->p += 4;
            has_is = 1; /* <is></is> too: an empty inline string, as the Python code */
            if (starts(S->p, end, "</is>")) {
                S->p += 5;
                is.p = is.q = S->p;
            } else {
                int t_closed;
                if (!starts(S->p, end, "<t") || S->p + 2 >= end ||
                    !(is_ws(S->p[2]) || S->p[2] == '>'))
                    return 0;
                S->p += 2;
                if (!skip_tag(S, &t_closed) || t_closed) return 0;
                if (!text_until(S, "</t>", &is) || !starts(S->p, end, "</is>")) return 0;
                S->p += 5;
            }
        }
        if (!starts(S->p, end, "</c>")) return 0;
        S->p += 4;
    }
    if (!has_f && !has_v && !has_is) return 1; /* a styled empty cell holds nothing */
    long long key = (long long)r * KEY + c;
    if (key <= S->last_key) return 0; /* out of order: the Python code looks for repeats */
    S->last_key = key;
    int kind, bail = 0;
    PyObject *value = NULL;
    if (has_v) {
        if (t == T_NUMBER) {
            Span n = strip(v);
            if (!printable_ascii(n)) return 0;
            value = PyUnicode_DecodeASCII(n.p, n.q - n.p, "strict");
            kind = K_NUMBER;
        } else if (t == T_SHARED) {
            long j = digits(v, 9);
            if (j < 0 || j >= S->n_strings) return 0; /* the Python code says why */
            value = PyList_GET_ITEM(S->strings, j);
            Py_INCREF(value);
            kind = K_TEXT;
        } else if (t == T_STR) {
            value = text_of(v, 0, &bail);
            kind = K_TEXT;
        } else {
            Span n = strip(v);
            if (!printable_ascii(n) && n.q > n.p) return 0;
            if (t == T_BOOL) {
                int yes = (n.q - n.p == 1 && n.p[0] == '1') ||
                          (n.q - n.p == 4 && !memcmp(n.p, "true", 4));
                value = yes ? Py_True : Py_False;
                Py_INCREF(value);
                kind = K_BOOL;
            } else {
                value = n.q > n.p ? PyUnicode_DecodeASCII(n.p, n.q - n.p, "strict")
                                  : PyUnicode_FromString("#N/A");
                kind = K_ERROR;
            }
        }
    } else if (has_is) {
        value = text_of(is, 0, &bail);
        kind = K_TEXT;
        if (value != NULL && PyUnicode_GET_LENGTH(value) == 0) {
            Py_DECREF(value);
            if (!has_f) return 1;
            value = Py_None;
            Py_INCREF(value);
            kind = K_EMPTY;
        }
    } else {
        value = Py_None;
        Py_INCREF(value);
        kind = K_EMPTY;
    }
    if (value == NULL) return bail ? 0 : -1;
    if (has_f) kind |= K_FORMULA;
    int ok = -1;
    if (r >= S->start_row) {
        int pol = policy(S, c);
        if (pol < 0) goto done;
        if (pol == P_STRAY) {
            PyObject *rec = Py_BuildValue("(lliO)", r, c, kind, value);
            if (rec != NULL && PyList_Append(S->strays, rec) == 0) ok = 1;
            Py_XDECREF(rec);
            goto done;
        }
        if (pol == P_FLAG && has_f) {
            kind = K_FORMULA;
            Py_DECREF(value);
            value = Py_None;
            Py_INCREF(value);
            has_f = 0;
        }
    }
    if (has_f) {
        PyObject *text;
        if (f.q > f.p) {
            PyObject *body = text_of(f, 1, &bail);
            if (body == NULL) {
                ok = bail ? 0 : -1;
                goto done;
            }
            if (PyUnicode_GET_LENGTH(body) == 0) {
                Py_DECREF(body);
                text = PyUnicode_FromString(SHARED_FORMULA);
            } else {
                PyObject *eq = PyUnicode_FromString("=");
                text = eq ? PyUnicode_Concat(eq, body) : NULL;
                Py_XDECREF(eq);
                Py_DECREF(body);
            }
        } else {
            text = PyUnicode_FromString(SHARED_FORMULA);
        }
        if (text == NULL) goto done;
        PyObject *rec = Py_BuildValue("(nN)", (Py_ssize_t)(S->kinds.len), text);
        if (rec == NULL) goto done;
        int bad = PyList_Append(S->formulas, rec);
        Py_DECREF(rec);
        if (bad) goto done;
    }
    int ri = (int)r, ci = (int)c, si = (int)style;
    unsigned char k = (unsigned char)kind;
    if (buf_put(&S->rows, &ri, sizeof ri) < 0 || buf_put(&S->cols, &ci, sizeof ci) < 0 ||
        buf_put(&S->styles, &si, sizeof si) < 0 || buf_put(&S->kinds, &k, 1) < 0 ||
        PyList_Append(S->values, value) < 0)
        goto done;
    ok = 1;
done:
    Py_DECREF(value);
    return ok;
}

/* Every '&' of the chunk starts a named entity (character references: the Python code). */
static int entities_ok(const char *p, const char *end) {
    while ((p = memchr(p, '&', end - p)) != NULL) {
        if (named_entity(p, end) < 0) return 0;
        p++;
    }
    return 1;
}

static int run(Scan *S) {
    const char *end = S->end;
    if (!entities_ok(S->p, end)) return 0;
    int in_row = 0;
    for (;;) {
        const char *lt = memchr(S->p, '<', end - S->p);
        if (lt == NULL) return !in_row;
        S->p = lt;
        if (starts(lt, end, "<c r=\"")) {
            if (!in_row) return 0;
            S->p += 6;
            int got = cell(S);
            if (got <= 0) return got;
        } else if (starts(lt, end, "</row>")) {
            if (!in_row) return 0;
            in_row = 0;
            S->p += 6;
        } else if (starts(lt, end, "<row") && lt + 4 < end &&
                   (is_ws(lt[4]) || lt[4] == '>' || lt[4] == '/')) {
            if (in_row) return 0;
            S->p += 4;
            long hidden = 0, r = 0;
            int t, closed;
            if (!attrs(S, 0, &hidden, &t, &closed, &r)) return 0;
            if (hidden) {
                if (r < 1) return 0;
                PyObject *n = PyLong_FromLong(r);
                if (n == NULL || PyList_Append(S->hidden, n) < 0) {
                    Py_XDECREF(n);
                    return -1;
                }
                Py_DECREF(n);
            }
            in_row = !closed;
        } else {
            return 0;
        }
    }
}

static PyObject *scan(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer body, pol;
    PyObject *strings, *policy_of;
    long start_row;
    long long last_key;
    if (!PyArg_ParseTuple(args, "y*O!lw*OL", &body, &PyList_Type, &strings, &start_row, &pol,
                          &policy_of, &last_key))
        return NULL;
    PyObject *result = NULL;
    Scan S = {0};
    if (pol.len != KEY) {
        PyErr_SetString(PyExc_ValueError, "policies must have 16385 entries");
        goto out;
    }
    S.p = body.buf;
    S.end = (const char *)body.buf + body.len;
    S.strings = strings;
    S.n_strings = PyList_GET_SIZE(strings);
    S.start_row = start_row;
    S.policies = pol.buf;
    S.policy_of = policy_of;
    S.last_key = last_key;
    S.values = PyList_New(0);
    S.formulas = PyList_New(0);
    S.strays = PyList_New(0);
    S.hidden = PyList_New(0);
    if (!S.values || !S.formulas || !S.strays || !S.hidden) goto out;
    if (start_row <= MAX_ROW && policy_of == Py_None) {
        PyErr_SetString(PyExc_ValueError, "a start row needs policy_of");
        goto out;
    }
    int got = run(&S);
    if (got < 0) goto out;
    if (got == 0) {
        result = Py_None;
        Py_INCREF(result);
        goto out;
    }
    result = Py_BuildValue("(ny#y#y#y#OOOOL)", S.cells, S.rows.data ? S.rows.data : "",
                           S.rows.len, S.cols.data ? S.cols.data : "", S.cols.len,
                           S.kinds.data ? S.kinds.data : "", S.kinds.len,
                           S.styles.data ? S.styles.data : "", S.styles.len, S.values,
                           S.formulas, S.strays, S.hidden, S.last_key);
out:
    PyMem_Free(S.rows.data);
    PyMem_Free(S.cols.data);
    PyMem_Free(S.kinds.data);
    PyMem_Free(S.styles.data);
    Py_XDECREF(S.values);
    Py_XDECREF(S.formulas);
    Py_XDECREF(S.strays);
    Py_XDECREF(S.hidden);
    PyBuffer_Release(&body);
    PyBuffer_Release(&pol);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, "One chunk of whole rows into columns, or None."},
    {"strings", toolkit_strings, METH_VARARGS, "The shared strings' <si> items, or None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_scan", "The reader's compiled steps: sheet chunks (_scan.c), shared strings (_strings.c).", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__scan(void) { return PyModule_Create(&module); }
