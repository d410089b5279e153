-- raw_records.payload holds each record's JSON as the source sent it, as text. As a JSON
-- column every stored payload was parsed again on the way in (a million-incident import
-- spent 9.7 of its 25 s casting its 2.4 million lines), although every payload is JSON
-- that a collector or the import reader has already parsed; and DuckDB's Appender
-- re-renders a value bound for a JSON column, where the payload must stay byte for
-- byte. The JSON functions (json_extract_string, ->, ->>) read the text as before.
alter table raw_records alter column payload type varchar;
