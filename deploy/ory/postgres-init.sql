-- The three databases of the production profile, owned by the application
-- role (POSTGRES_USER): PostgreSQL 15 lets only a database's owner create
-- tables in its public schema. Run once by the postgres image on an empty volume.
CREATE DATABASE kratos OWNER oryauth;
CREATE DATABASE hydra OWNER oryauth;
CREATE DATABASE django OWNER oryauth;
