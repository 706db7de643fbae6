/* The shared string table's compiled step: every <si> item's text, as expat reads it.
 *
 * strings(body) -> None | (texts, escaped)
 *   body     bytes from the first <si> up to </sst>: whitespace and <si> items only
 *   texts    list[str], one per item: its <t> elements' text joined (rich runs too)
 *   escaped  list[int]: the items whose text holds "_x" (the caller undoes _xHHHH_)
 *
 * Like the sheet's step it accepts a strict subset of XML and proves it saw every tag:
 * items are <si> without attributes; inside one, every '<' starts a start tag, an end
 * tag closing the innermost open element, or </si>; names are ASCII, start with a letter
 * or '_' and have no prefix (attributes may be xml:name); attributes are unique and quoted,
 * their values strict UTF-8; text outside <t> is white
 * space; every '&' starts one of the five named entities. It returns None for anything
 * else and for what expat rejects or rewrites (character references, carriage returns,
 * control characters, "]]>", U+FFFE/U+FFFF, invalid UTF-8) and for phonetic runs
 * (<rPh>): the Python code decides those.
 */
#include "_xml.h"

#define MAX_DEPTH 16
#define MAX_ATTRS 8

/* A name's first character, of the ASCII ones XML allows there (not a digit, '.', '-'). */
static int name_start(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

/* An attribute value [p, q) with bytes past ASCII: strict UTF-8 without U+FFFE/U+FFFF
 * (1), else 0; -1 on error. */
static int value_utf8(const char *p, const char *q) {
    for (const char *c = p; c + 2 < q; c++)
        if ((unsigned char)c[0] == 0xEF && (unsigned char)c[1] == 0xBF &&
            ((unsigned char)c[2] == 0xBE || (unsigned char)c[2] == 0xBF))
            return 0;
    int bail = 0;
    PyObject *u = decode(p, q - p, &bail);
    if (u == NULL) return bail ? 0 : -1;
    Py_DECREF(u);
    return 1;
}

/* One start tag's attributes, from just past its name; *p ends past '>' (or "/>"):
 * 1, 0 decline, -1 error. */
static int tag_rest(const char **p, const char *end, int *closed) {
    const char *q = *p;
    Span seen[MAX_ATTRS];
    int n = 0;
    for (;;) {
        const char *ws = q;
        while (q < end && is_ws(*q)) q++;
        if (q >= end) return 0;
        if (*q == '>' || (*q == '/' && q + 1 < end && q[1] == '>')) {
            *closed = *q == '/';
            *p = q + (*closed ? 2 : 1);
            return 1;
        }
        if (q == ws || n == MAX_ATTRS) return 0; /* attributes are separated by white space */
        Span nm = {q, q};
        while (q < end && is_name(*q)) q++;
        nm.q = q;
        if (nm.q == nm.p || !name_start(*nm.p)) return 0;
        const char *colon = memchr(nm.p, ':', nm.q - nm.p);
        if (colon != NULL) { /* xml:name only: no other prefix, one colon, a name after it */
            if (colon - nm.p != 3 || memcmp(nm.p, "xml", 3)) return 0;
            if (colon + 1 == nm.q || !name_start(colon[1])) return 0;
            if (memchr(colon + 1, ':', nm.q - colon - 1) != NULL) return 0;
        }
        if (nm.q - nm.p >= 5 && !memcmp(nm.p, "xmlns", 5)) return 0;
        for (int i = 0; i < n; i++)
            if (seen[i].q - seen[i].p == nm.q - nm.p && !memcmp(seen[i].p, nm.p, nm.q - nm.p))
                return 0;
        seen[n++] = nm;
        while (q < end && is_ws(*q)) q++;
        if (q >= end || *q != '=') return 0;
        q++;
        while (q < end && is_ws(*q)) q++;
        if (q >= end || (*q != '"' && *q != '\'')) return 0;
        char quote = *q++;
        const char *value = q;
        int wide = 0;
        for (; q < end && *q != quote; q++) {
            unsigned char ch = (unsigned char)*q;
            if (ch == '<' || (ch < 0x20 && ch != '\t' && ch != '\n')) return 0;
            if (ch == '&' && named_entity(q, end) < 0) return 0;
            wide |= ch >= 0x80;
        }
        if (q >= end) return 0;
        if (wide) {
            int ok = value_utf8(value, q);
            if (ok <= 0) return ok;
        }
        q++;
    }
}

/* A <t> element's text [p, q) onto b, its entities replaced: 1, 0 decline, -1 error. */
static int put_text(Buf *b, const char *p, const char *q) {
    while (p < q) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '&') {
            int k = named_entity(p, q);
            if (k < 0) return 0;
            if (buf_put(b, &ENTITY_CHAR[k], 1) < 0) return -1;
            p += strlen(ENTITY[k]);
            continue;
        }
        if (ch < 0x20 && ch != '\t' && ch != '\n') return 0; /* CR: expat rewrites it */
        if (ch == ']' && starts(p, q, "]]>")) return 0;
        if (ch == 0xEF && q - p >= 3 && (unsigned char)p[1] == 0xBF &&
            ((unsigned char)p[2] == 0xBE || (unsigned char)p[2] == 0xBF))
            return 0; /* U+FFFE, U+FFFF: not XML characters */
        const char *run = p;
        while (p < q && *p != '&' && (unsigned char)*p >= 0x20 && *p != ']' &&
               (unsigned char)*p != 0xEF)
            p++;
        if (p == run) p++; /* a lone ']' or 0xEF that starts nothing above */
        if (buf_put(b, run, p - run) < 0) return -1;
    }
    return 1;
}

/* The element name at p (ASCII, no prefix): its end, or NULL. */
static const char *name_end(const char *p, const char *end) {
    const char *q = p;
    while (q < end && is_name(*q)) q++;
    if (q == p || !name_start(*p) || memchr(p, ':', q - p) != NULL) return NULL;
    return q;
}

static int same(Span a, const char *p, const char *q) {
    return a.q - a.p == q - p && !memcmp(a.p, p, q - p);
}

/* One item's content, from just past <si> through </si>: 1, 0 decline, -1 error. */
static int item(const char **at, const char *end, Buf *b) {
    const char *p = *at;
    Span open[MAX_DEPTH];
    int depth = 0;
    for (;;) {
        const char *lt = memchr(p, '<', end - p);
        if (lt == NULL) return 0;
        for (; p < lt; p++)
            if (!is_ws(*p)) return 0; /* text outside <t>: the Python code */
        if (lt + 1 < end && lt[1] == '/') { /* an end tag: the innermost element's */
            const char *n = lt + 2, *ne = name_end(n, end), *q = ne;
            if (ne == NULL) return 0;
            while (q < end && is_ws(*q)) q++;
            if (q >= end || *q != '>') return 0;
            p = q + 1;
            if (depth > 0) {
                if (!same(open[--depth], n, ne)) return 0;
                continue;
            }
            if (ne - n != 2 || memcmp(n, "si", 2)) return 0;
            *at = p;
            return 1;
        }
        const char *n = lt + 1, *ne = name_end(n, end);
        if (ne == NULL) return 0; /* <!, <?, a prefixed name */
        Py_ssize_t len = ne - n;
        if ((len == 2 && !memcmp(n, "si", 2)) || (len == 3 && !memcmp(n, "rPh", 3))) return 0;
        int closed;
        p = ne;
        int rest = tag_rest(&p, end, &closed);
        if (rest <= 0) return rest;
        if (len == 1 && n[0] == 't') {
            if (closed) continue;
            const char *close = memchr(p, '<', end - p);
            if (close == NULL || !starts(close, end, "</t>")) return 0;
            int got = put_text(b, p, close);
            if (got <= 0) return got;
            p = close + 4;
            continue;
        }
        if (closed) continue;
        if (depth == MAX_DEPTH) return 0;
        open[depth++] = (Span){n, ne};
    }
}

static int items(const char *p, const char *end, PyObject *texts, PyObject *escaped, Buf *b) {
    for (;;) {
        while (p < end && is_ws(*p)) p++;
        if (p == end) return 1;
        if (!starts(p, end, "<si>")) return 0;
        p += 4;
        b->len = 0;
        int got = item(&p, end, b);
        if (got <= 0) return got;
        int bail = 0;
        PyObject *text = decode(b->data ? b->data : "", b->len, &bail);
        if (text == NULL) return bail ? 0 : -1;
        int ok = PyList_Append(texts, text);
        Py_DECREF(text);
        if (ok < 0) return -1;
        for (Py_ssize_t i = 0; i + 1 < b->len; i++) {
            if (b->data[i] == '_' && b->data[i + 1] == 'x') {
                PyObject *at = PyLong_FromSsize_t(PyList_GET_SIZE(texts) - 1);
                if (at == NULL || PyList_Append(escaped, at) < 0) {
                    Py_XDECREF(at);
                    return -1;
                }
                Py_DECREF(at);
                break;
            }
        }
    }
}

PyObject *toolkit_strings(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer body;
    if (!PyArg_ParseTuple(args, "y*", &body)) return NULL;
    PyObject *result = NULL, *texts = PyList_New(0), *escaped = PyList_New(0);
    Buf b = {0};
    if (texts != NULL && escaped != NULL) {
        const char *p = body.buf;
        int got = items(p, p + body.len, texts, escaped, &b);
        if (got > 0)
            result = PyTuple_Pack(2, texts, escaped);
        else if (got == 0) {
            result = Py_None;
            Py_INCREF(result);
        }
    }
    PyMem_Free(b.data);
    Py_XDECREF(texts);
    Py_XDECREF(escaped);
    PyBuffer_Release(&body);
    return result;
}
