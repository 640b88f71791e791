# Convene's container image: a static binary on a distroless base, run as
# a non-root user, data (the embedded database, the generated admin
# token) in a volume. Build: docker build -t convene .
# The build flags below are the ones the tests build with (deploy_test.go).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/convene . && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/convene /convene
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /src/LICENSE /src/THIRD_PARTY_LICENSES.md /licenses/
USER 65532:65532
ENV CONVENE_ADDR=:8080 \
    CONVENE_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=2m --retries=3 CMD ["/convene", "healthcheck"]
ENTRYPOINT ["/convene"]
CMD ["serve"]
