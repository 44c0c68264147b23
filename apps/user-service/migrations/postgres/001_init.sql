-- The users table. `seq` orders the list and backs its cursor; `id` is the public UUID.
-- Emails are stored lower-cased by the API, so the UNIQUE constraint ignores their case.
CREATE TABLE users (
  seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id         uuid        NOT NULL,
  name       text        NOT NULL,
  email      text        NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT users_id_unique UNIQUE (id),
  CONSTRAINT users_email_unique UNIQUE (email)
);
