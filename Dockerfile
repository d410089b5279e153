# alertlens in a container: the binary needs glibc (DuckDB is linked in through cgo).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -tags nomsgpack -o /alertlens ./cmd/alertlens

FROM debian:bookworm-slim
COPY --from=build /alertlens /usr/local/bin/alertlens
WORKDIR /data
ENV ALERTLENS_DB=/data/alertlens.duckdb
EXPOSE 8080
ENTRYPOINT ["alertlens"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
