# depvault in a container: the wheel built from this tree, on a slim Python base, run
# as a non-root user with its data (the SQLite store, report files) in a volume.
#   docker build -t depvault .        (or: podman build -t depvault .)
#   docker run -p 127.0.0.1:8080:8080 -v depvault-data:/var/lib/depvault depvault
# The first start prints the bootstrap JSON (keys shown once) in the container's log.
# compose.yaml runs it with PostgreSQL.

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip install --no-cache-dir "build>=1.0" && python -m build --wheel --outdir /wheels

FROM python:3.12-slim
RUN useradd --system --uid 10001 --home-dir /var/lib/depvault --create-home depvault
COPY --from=build /wheels/ /tmp/wheels/
# with the s3 extra: containers are where report files go to object storage
RUN pip install --no-cache-dir "$(echo /tmp/wheels/*.whl)[s3]" && rm -rf /tmp/wheels
# Listening on every interface of the container: the port is published by the host
# (bind it to loopback or put a TLS proxy in front; depvault logs a WARNING without TLS).
ENV DEPVAULT_DATA_DIR=/var/lib/depvault \
    DEPVAULT_HOST=0.0.0.0 \
    DEPVAULT_PORT=8080 \
    PYTHONUNBUFFERED=1
VOLUME ["/var/lib/depvault"]
WORKDIR /var/lib/depvault
USER depvault
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4)"]
ENTRYPOINT ["depvault"]
CMD ["serve"]
