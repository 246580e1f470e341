-- Run once by the compose PostgreSQL on its first start: production creates no database itself (the
-- migration job only migrates), so the stack's databases are made here, one per subgraph.
CREATE DATABASE curbside_user;
CREATE DATABASE curbside_vendor;
CREATE DATABASE curbside_location;
CREATE DATABASE curbside_post;
CREATE DATABASE curbside_media;
CREATE DATABASE curbside_search;
