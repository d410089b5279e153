-- The macros the import format's checks share (docs/import-format.md): the lines of a
-- spooled file, and one check per kind of field. Temporary: they live on the import's
-- connection only.

-- A JSON value as an error message quotes it: its text, cut short when it is long.
create or replace temp macro import_quote(v) as
    case when length(v::varchar) > 60 then left(v::varchar, 57) || '...' else v::varchar end;

-- The text of a JSON string (the record's type); NULL when absent or null.
create or replace temp macro import_text(v) as v ->> '$';

-- A text value written as a Go %q would: in double quotes, with JSON's escapes.
create or replace temp macro import_q(s) as to_json(s)::varchar;

-- Empty, or only white space (what "required" refuses). A value that does not start
-- with white space is not blank, and that is most of them: trim() computes its set of
-- characters for every row it sees (347-372 ms over 2.4 million ids, against 51 ms).
create or replace temp macro import_blank(s) as
    case
        when s is null or s = '' then true
        when ascii(s) not in (32, 9, 10, 13) then false
        else trim(s, chr(32) || chr(9) || chr(10) || chr(13)) = ''
    end;

-- The check of a whole-number field (a JSON value): NULL when it is one, absent or
-- null, else the error. (A text field takes any value, as its text: a number as its
-- digits.)
create or replace temp macro import_want_whole(name, v) as
    case when json_type(v) not in ('BIGINT', 'UBIGINT', 'NULL') or try_cast(v::varchar as integer) is null and json_type(v) <> 'NULL'
        then {'field': name, 'msg': 'want a whole number, got ' || import_quote(v)} end;

-- An RFC 3339 time, as Go's time.RFC3339Nano reads it (a T, seconds, an optional
-- fraction, Z or an offset), in UTC; NULL when v is not one.
create or replace temp macro import_time(v) as
    case when regexp_full_match(v, '\d{4}-\d\d-\d\dT([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)')
        then case when v[-1] = 'Z' then try_cast(v as timestamp) -- the same, without the zone rules
            else try_cast(v as timestamptz) at time zone 'UTC' end
    end;

-- The check of a time field s, read as ts by import_time: NULL when it is absent and
-- not required, or a time.
create or replace temp macro import_want_time(name, s, ts, req) as
    case
        when coalesce(s, '') = '' then
            case when req then {'field': name, 'msg': 'required, and missing or empty'} end
        when ts is null then
            {'field': name, 'msg': 'want an RFC 3339 time such as 2026-03-29T00:30:00Z, got ' || import_q(s)}
    end;

create or replace temp macro import_required(name, s) as
    case when import_blank(s) then {'field': name, 'msg': 'required, and missing or empty'} end;

create or replace temp macro import_one_of(name, s, allowed) as
    case when not list_contains(allowed, s)
        then {'field': name, 'msg': 'want one of ' || array_to_string(allowed, ', ') || ', got ' || import_q(s)} end;

-- The first of a record's keys that its type does not have, as an error: NULL when all
-- are known. len(keys) = present, the number of known fields with a value, proves
-- that cheaply for almost every record; the others (a null value, a key given twice,
-- an unknown key) are looked at key by key.
create or replace temp macro import_unknown_field(keys, present, allowed) as
    case when len(keys) <> present and len(list_filter(keys, k -> not list_contains(allowed, k))) > 0
        then {'field': list_filter(keys, k -> not list_contains(allowed, k))[1],
              'msg': 'unknown field for this type (see docs/import-format.md)'} end;

-- The lines of a file in the import format, as the Go reader (ingest/file) spooled
-- them: each record type's non-blank lines, each as its number, a NUL byte and the
-- line, so that DuckDB's CSV reader reads them on every core and the numbers stay
-- those of the file. The Go reader has refused, and reported, the lines that are not
-- UTF-8, hold a NUL byte or a carriage return, or are over 16 MiB.
create or replace temp macro import_lines(files) as table
    select line, text
    from read_csv(files, columns = {'line': 'BIGINT', 'text': 'VARCHAR'}, header = false, delim = '', quote = '',
        escape = '', new_line = '\n', auto_detect = false, max_line_size = 16777216, buffer_size = 33554432);

-- What is wrong with a line as a whole, as an error, or NULL: it is not a JSON object,
-- or its type is missing, not a string or unknown. want is the type its spool holds
-- (a line whose type the Go reader could not tell is spooled with the incidents).
create or replace temp macro import_line_error(is_object, type_json, want) as
    case
        when not is_object
            then {'field': '', 'msg': 'not a JSON object (each line is one record, such as {"type":"incident",...})'}
        when type_json is null or json_type(type_json) = 'NULL' or json_type(type_json) = 'VARCHAR' and import_text(type_json) = ''
            then {'field': 'type', 'msg': 'missing; want one of responder, service, incident, notification, review, oncall_shift'}
        when json_type(type_json) <> 'VARCHAR'
            then {'field': 'type', 'msg': 'want a string, got ' || import_quote(type_json)}
        when not list_contains(['responder', 'service', 'incident', 'notification', 'review', 'oncall_shift'], import_text(type_json))
            then {'field': 'type', 'msg': 'unknown type ' || import_q(import_text(type_json))
                || '; want one of responder, service, incident, notification, review, oncall_shift'}
        when import_text(type_json) <> want
            then {'field': 'type', 'msg': 'given more than once; want one type per record'}
    end;

-- A spool's lines read as records: j holds the fields that spec names (a
-- json_transform structure), keys the record's keys, and line_error what is wrong with
-- the line as a whole (import_line_error), or NULL.
create or replace temp macro import_records(files, spec, want) as table
    select line, j, import_line_error(is_object, j.type, want) as line_error,
        case when is_object then json_keys(text) end as keys
    from (
        select line, text, j, j is not null and ltrim(text, chr(32) || chr(9))[1] = '{' as is_object
        from (select line, text, try(json_transform(text, spec)) as j from import_lines(files))
    );
