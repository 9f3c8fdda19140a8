-- An Orthanc-like index (schema "ovena_bench", beside Orthanc's own tables, which it never touches):
-- per instance one resource row, ~10 main DICOM tags, 4 identifiers, 3 metadata rows and one
-- attached file, about 1 kB of dump text. Run with: psql -v instances=N -f orthanc-like.sql
\set ON_ERROR_STOP 1
DROP SCHEMA IF EXISTS ovena_bench CASCADE;
CREATE SCHEMA ovena_bench;
SET search_path = ovena_bench;
CREATE TABLE resources (internalid bigint PRIMARY KEY, resourcetype int NOT NULL, publicid text NOT NULL, parentid bigint);
CREATE TABLE maindicomtags (id bigint NOT NULL, taggroup int NOT NULL, tagelement int NOT NULL, value text);
CREATE TABLE dicomidentifiers (id bigint NOT NULL, taggroup int NOT NULL, tagelement int NOT NULL, value text);
CREATE TABLE metadata (id bigint NOT NULL, type int NOT NULL, value text, revision int DEFAULT 0);
CREATE TABLE attachedfiles (id bigint NOT NULL, filetype int NOT NULL, uuid text NOT NULL, compressedsize bigint, uncompressedsize bigint, compressiontype int, uncompressedhash text, compressedhash text, revision int DEFAULT 0);

INSERT INTO resources
SELECT i, 3, md5(i::text) || '-' || substr(md5((i * 7)::text), 1, 8), NULLIF(i / 50, 0)
FROM generate_series(1, :instances) AS i;

INSERT INTO maindicomtags
SELECT i, g, e, CASE e % 4
  WHEN 0 THEN '1.2.826.0.1.3680043.8.498.' || i || '.' || e
  WHEN 1 THEN 'PATIENT^' || (i / 50) || '^' || substr(md5(i::text), 1, 6)
  WHEN 2 THEN to_char(date '2000-01-01' + (i % 9000), 'YYYYMMDD')
  ELSE 'CT ' || substr(md5((i + e)::text), 1, 12) END
FROM generate_series(1, :instances) AS i,
  (VALUES (8, 24), (8, 32), (8, 48), (8, 80), (8, 4144), (16, 16), (16, 32), (32, 13), (32, 14), (32, 19)) AS t(g, e);

INSERT INTO dicomidentifiers
SELECT i, 32, e, '1.2.826.0.1.3680043.8.498.' || (i / (e - 10)) || '.' || i
FROM generate_series(1, :instances) AS i, (VALUES (13), (14), (18), (19)) AS t(e);

INSERT INTO metadata
SELECT i, m, CASE m WHEN 1 THEN to_char(timestamp '2020-01-01' + i * interval '1 second', 'YYYYMMDD"T"HH24MISS') ELSE md5((i * m)::text) END, 0
FROM generate_series(1, :instances) AS i, (VALUES (1), (2), (3)) AS t(m);

INSERT INTO attachedfiles
SELECT i, 1, md5((i * 3)::text)::uuid::text, 500000 + i % 1000, 500000 + i % 1000, 1, md5(i::text), md5(i::text), 0
FROM generate_series(1, :instances) AS i;

-- Orthanc's own indexes and constraints, as its PostgreSQL index plugin creates them (read from
-- pg_dump -s of the plugin's schema version 6 in the test stack), so a load builds them too.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
-- The test stack's db container has docker's default 64 MB /dev/shm: no parallel workers in the
-- foreign keys' checks (bench-lib.sh vacuums with PARALLEL 0 for the same reason).
SET max_parallel_workers_per_gather = 0;
ALTER TABLE maindicomtags ADD PRIMARY KEY (id, taggroup, tagelement);
ALTER TABLE dicomidentifiers ADD PRIMARY KEY (id, taggroup, tagelement);
ALTER TABLE metadata ADD PRIMARY KEY (id, type);
ALTER TABLE attachedfiles ADD PRIMARY KEY (id, filetype);
CREATE INDEX childrenindex ON resources USING btree (parentid);
CREATE INDEX publicindex ON resources USING btree (publicid);
CREATE INDEX resourcetypeindex ON resources USING btree (resourcetype);
CREATE INDEX maindicomtagsindex ON maindicomtags USING btree (id);
CREATE INDEX dicomidentifiersindex1 ON dicomidentifiers USING btree (id);
CREATE INDEX dicomidentifiersindex2 ON dicomidentifiers USING btree (taggroup, tagelement);
CREATE INDEX dicomidentifiersindexvalues ON dicomidentifiers USING btree (value);
CREATE INDEX dicomidentifiersindexvalues2 ON dicomidentifiers USING gin (value public.gin_trgm_ops);
ALTER TABLE attachedfiles ADD FOREIGN KEY (id) REFERENCES resources (internalid) ON DELETE CASCADE;
ALTER TABLE dicomidentifiers ADD FOREIGN KEY (id) REFERENCES resources (internalid) ON DELETE CASCADE;
ALTER TABLE maindicomtags ADD FOREIGN KEY (id) REFERENCES resources (internalid) ON DELETE CASCADE;
ALTER TABLE metadata ADD FOREIGN KEY (id) REFERENCES resources (internalid) ON DELETE CASCADE;
ALTER TABLE resources ADD FOREIGN KEY (parentid) REFERENCES resources (internalid) ON DELETE CASCADE;
