/* The parts of an export line that cost most in Python, written in C: a
 * document's text as a JSON string, its tokens as Prodigy's token objects
 * (most of a line's bytes), and the tokens each span covers.
 *
 * Each gives exactly what its pure-Python version in
 * annotations/export_formats.py or export_layers.py gives; those stay the
 * reference, and the fallback where this module is not built
 * (tests/test_export_speedups.py compares the two). JSON is compact UTF-8
 * as json.dumps(ensure_ascii=False) writes it, with U+0085, U+2028 and
 * U+2029 escaped as well, since line readers take them for line ends.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Whether JSON writes an ASCII character as it is. */
static unsigned char plain[128];

static const char hex_digits[] = "0123456789abcdef";

static void init_plain(void) {
    for (int c = 0; c < 128; c++) {
        plain[c] = c >= 0x20 && c != '"' && c != '\\';
    }
}

/* An ASCII character that JSON escapes. */
static inline char *put_escaped_ascii(char *out, Py_UCS4 c) {
    *out++ = '\\';
    switch (c) {
    case '"': *out++ = '"'; break;
    case '\\': *out++ = '\\'; break;
    case '\n': *out++ = 'n'; break;
    case '\r': *out++ = 'r'; break;
    case '\t': *out++ = 't'; break;
    case '\b': *out++ = 'b'; break;
    case '\f': *out++ = 'f'; break;
    default:
        memcpy(out, "u00", 3);
        out[3] = hex_digits[c >> 4];
        out[4] = hex_digits[c & 15];
        out += 5;
    }
    return out;
}

/* One character of a JSON string in UTF-8 (at most 6 bytes); NULL for a
 * lone surrogate, which has no UTF-8. */
static inline char *put_char(char *out, Py_UCS4 c) {
    if (c < 0x80) {
        if (plain[c]) {
            *out++ = (char)c;
        } else {
            out = put_escaped_ascii(out, c);
        }
    } else if (c < 0x800) {
        if (c == 0x85) {
            memcpy(out, "\\u0085", 6);
            return out + 6;
        }
        *out++ = (char)(0xC0 | (c >> 6));
        *out++ = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        if (c == 0x2028 || c == 0x2029) {
            memcpy(out, c == 0x2028 ? "\\u2028" : "\\u2029", 6);
            return out + 6;
        }
        if (c >= 0xD800 && c <= 0xDFFF) {
            return NULL;
        }
        *out++ = (char)(0xE0 | (c >> 12));
        *out++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *out++ = (char)(0x80 | (c & 0x3F));
    } else {
        *out++ = (char)(0xF0 | (c >> 18));
        *out++ = (char)(0x80 | ((c >> 12) & 0x3F));
        *out++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *out++ = (char)(0x80 | (c & 0x3F));
    }
    return out;
}

/* Characters [start, end) of a str as the inside of a JSON string; NULL on a lone surrogate. */
static char *put_chars(char *out, int kind, const void *data, Py_ssize_t start, Py_ssize_t end) {
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *chars = (const Py_UCS1 *)data;
        Py_ssize_t i = start;
        while (i < end) {
            /* copy a run of plain ASCII at once */
            Py_ssize_t run = i;
            while (run < end && chars[run] < 0x80 && plain[chars[run]]) {
                run++;
            }
            memcpy(out, chars + i, run - i);
            out += run - i;
            if (run == end) {
                break;
            }
            out = put_char(out, chars[run]);
            i = run + 1;
        }
        return out;
    }
    for (Py_ssize_t i = start; i < end; i++) {
        out = put_char(out, PyUnicode_READ(kind, data, i));
        if (out == NULL) {
            return NULL;
        }
    }
    return out;
}

static inline char *put_uint(char *out, uint64_t value) {
    char digits[20];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (count) {
        *out++ = digits[--count];
    }
    return out;
}

/* Shrink a bytes object written up to ``end`` to its length. */
static PyObject *finish(PyObject *made, char *end) {
    if (_PyBytes_Resize(&made, end - PyBytes_AS_STRING(made)) < 0) {
        return NULL;
    }
    return made;
}

/* The standard UnicodeEncodeError for a text with a lone surrogate. */
static PyObject *encode_error(PyObject *text) {
    PyObject *encoded = PyUnicode_AsUTF8String(text);
    Py_XDECREF(encoded);
    if (encoded != NULL) {
        PyErr_SetString(PyExc_SystemError, "a lone surrogate that UTF-8 encodes");
    }
    return NULL;
}

PyDoc_STRVAR(json_string_doc,
"json_string(text, /)\n--\n\n"
"The inside of text's JSON string, in UTF-8.");

static PyObject *json_string(PyObject *module, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "json_string() takes a str");
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (length > PY_SSIZE_T_MAX / 6) {
        return PyErr_NoMemory();
    }
    PyObject *made = PyBytes_FromStringAndSize(NULL, 6 * length);
    if (made == NULL) {
        return NULL;
    }
    char *end = put_chars(PyBytes_AS_STRING(made), PyUnicode_KIND(text), PyUnicode_DATA(text), 0, length);
    if (end == NULL) {
        Py_DECREF(made);
        return encode_error(text);
    }
    return finish(made, end);
}

static inline uint32_t read_u32le(const unsigned char *at) {
    return (uint32_t)at[0] | (uint32_t)at[1] << 8 | (uint32_t)at[2] << 16 | (uint32_t)at[3] << 24;
}

PyDoc_STRVAR(token_objects_doc,
"token_objects(text, packed, /)\n--\n\n"
"Prodigy's token objects (text, start, end, id, ws) as a JSON array in\n"
"UTF-8, for tokens packed as the store packs them (little-endian uint32\n"
"start, end, ...) that lie in spaCy's layout over text: the first at 0,\n"
"each next one right after or one space after, the last at the end or one\n"
"space before it. None for any other tokens (the caller lays them out),\n"
"or for a text with a lone surrogate.");

static PyObject *token_objects(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "token_objects() takes a str and bytes");
        return NULL;
    }
    PyObject *text = args[0];
    const unsigned char *packed = (const unsigned char *)PyBytes_AS_STRING(args[1]);
    Py_ssize_t packed_size = PyBytes_GET_SIZE(args[1]);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t count = packed_size / 8;
    if (packed_size % 8 || count == 0 || length > PY_SSIZE_T_MAX / 16 || count > PY_SSIZE_T_MAX / 128) {
        Py_RETURN_NONE;
    }
    /* the layout, checked before anything is written */
    uint32_t last_end = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        uint32_t start = read_u32le(packed + 8 * i), end = read_u32le(packed + 8 * i + 4);
        if (end <= start || (Py_ssize_t)end > length) {
            Py_RETURN_NONE;
        }
        if (start != last_end && !((uint64_t)start == (uint64_t)last_end + 1 && i > 0 && PyUnicode_READ(kind, data, last_end) == ' ')) {
            Py_RETURN_NONE;
        }
        last_end = end;
    }
    if ((Py_ssize_t)last_end != length && !((Py_ssize_t)last_end + 1 == length && PyUnicode_READ(kind, data, last_end) == ' ')) {
        Py_RETURN_NONE;
    }
    /* each token: 45 bytes of keys and punctuation, three numbers of up to 10 digits */
    PyObject *made = PyBytes_FromStringAndSize(NULL, 6 * length + 80 * count + 2);
    if (made == NULL) {
        return NULL;
    }
    char *out = PyBytes_AS_STRING(made);
    *out++ = '[';
    for (Py_ssize_t i = 0; i < count; i++) {
        uint32_t start = read_u32le(packed + 8 * i), end = read_u32le(packed + 8 * i + 4);
        int space = i + 1 < count ? read_u32le(packed + 8 * i + 8) != end : (Py_ssize_t)end != length;
        memcpy(out, "{\"text\":\"", 9);
        out = put_chars(out + 9, kind, data, start, end);
        if (out == NULL) {
            Py_DECREF(made);
            Py_RETURN_NONE;
        }
        memcpy(out, "\",\"start\":", 10);
        out = put_uint(out + 10, start);
        memcpy(out, ",\"end\":", 7);
        out = put_uint(out + 7, end);
        memcpy(out, ",\"id\":", 6);
        out = put_uint(out + 6, (uint64_t)i);
        if (space) {
            memcpy(out, ",\"ws\":true},", 12);
            out += 12;
        } else {
            memcpy(out, ",\"ws\":false},", 13);
            out += 13;
        }
    }
    out[-1] = ']';  /* the last comma */
    return finish(made, out);
}

PyDoc_STRVAR(token_bounds_doc,
"token_bounds(packed, starts, ends, /)\n--\n\n"
"For each span [starts[i], ends[i]), the first and last token (inclusive)\n"
"of the tokens containing it, as a list of pairs, for tokens packed as\n"
"the store packs them: the first token ending after the start, the last\n"
"starting before the end (or, for a span that is only the space after a\n"
"token, that token).");

/* How many of the count tokens have their ``field`` (0 start, 1 end) below
 * ``offset`` (``or_equal``: at or below). */
static Py_ssize_t count_below(const unsigned char *packed, Py_ssize_t count, int field, long long offset, int or_equal) {
    Py_ssize_t low = 0, high = count;
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2;
        long long value = read_u32le(packed + 8 * middle + 4 * field);
        if (value < offset || (or_equal && value == offset)) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return low;
}

static PyObject *token_bounds(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyBytes_Check(args[0]) || !PyList_Check(args[1]) || !PyList_Check(args[2])
        || PyList_GET_SIZE(args[1]) != PyList_GET_SIZE(args[2])) {
        PyErr_SetString(PyExc_TypeError, "token_bounds() takes bytes and two lists of the same length");
        return NULL;
    }
    const unsigned char *packed = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    Py_ssize_t count = PyBytes_GET_SIZE(args[0]) / 8;
    Py_ssize_t spans = PyList_GET_SIZE(args[1]);
    PyObject *bounds = PyList_New(spans);
    if (bounds == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < spans; i++) {
        PyObject *start_item = PyList_GET_ITEM(args[1], i), *end_item = PyList_GET_ITEM(args[2], i);
        /* ints only: converting anything else could run Python code that changes the lists */
        if (!PyLong_Check(start_item) || !PyLong_Check(end_item)) {
            PyErr_SetString(PyExc_TypeError, "token_bounds() takes lists of ints");
            Py_DECREF(bounds);
            return NULL;
        }
        long long start = PyLong_AsLongLong(start_item);
        long long end = PyLong_AsLongLong(end_item);
        if ((start == -1 || end == -1) && PyErr_Occurred()) {
            Py_DECREF(bounds);
            return NULL;
        }
        Py_ssize_t first = count_below(packed, count, 1, start, 1);
        Py_ssize_t last = count_below(packed, count, 0, end, 0) - 1;
        PyObject *pair = Py_BuildValue("(nn)", first < last ? first : last, last);
        if (pair == NULL) {
            Py_DECREF(bounds);
            return NULL;
        }
        PyList_SET_ITEM(bounds, i, pair);
    }
    return bounds;
}

static PyMethodDef methods[] = {
    {"token_bounds", (PyCFunction)(void (*)(void))token_bounds, METH_FASTCALL, token_bounds_doc},
    {"json_string", (PyCFunction)json_string, METH_O, json_string_doc},
    {"token_objects", (PyCFunction)(void (*)(void))token_objects, METH_FASTCALL, token_objects_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "annotations._speedups",
    "JSON for export lines, in C (see annotations/export_formats.py).",
    -1,
    methods,
};

PyMODINIT_FUNC PyInit__speedups(void) {
    init_plain();
    return PyModule_Create(&module_def);
}
