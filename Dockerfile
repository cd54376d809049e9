# One image for every part of the pipeline; docker-compose runs `ssot run <part>` per service.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests install

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 ssot && mkdir -p /var/lib/ssot && chown ssot /var/lib/ssot
WORKDIR /app
COPY --from=build /src/cli/target/ssot.jar /app/ssot.jar
COPY --from=build /src/cli/target/lib /app/lib
USER ssot
ENV SSOT_DATA_DIR=/var/lib/ssot SSOT_HTTP_HOST=0.0.0.0 SSOT_HTTP_PORT=8080
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/ssot.jar"]
